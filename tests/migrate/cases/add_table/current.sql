create table a(id integer primary key, x text);
