create table t(id integer primary key, a text);
create table log(msg text);
