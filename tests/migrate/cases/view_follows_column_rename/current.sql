create table t(id integer primary key, nm text);
create view tv as select id, nm from t;
