create table t(id integer primary key, n integer, s text) strict;
