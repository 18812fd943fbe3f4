create table users(id integer primary key, name text);
create table posts(id integer primary key, user_id int references users(id));
