create table a(id integer primary key);
create table gone(id integer primary key, v text);
