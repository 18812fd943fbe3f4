create table a(id integer primary key);
