create table t(id integer primary key, a text, b text);
create view v1 as select id, a from t;
create view v2 as select a from v1;
