create table t(id integer primary key, a text, old int);
