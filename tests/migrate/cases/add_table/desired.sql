create table a(id integer primary key, x text);
create table b(id integer primary key, a_id int references a(id));
