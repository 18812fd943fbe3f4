-- zen: renamed from users
create table people(id integer primary key, name text);
create table posts(id integer primary key, user_id int references people(id));
