create table t(id integer primary key, a text not null);
