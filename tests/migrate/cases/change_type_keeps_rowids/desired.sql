create table t(a text, b integer);
