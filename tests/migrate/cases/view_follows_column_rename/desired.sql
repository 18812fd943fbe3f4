create table t(
  id integer primary key,
  name text -- zen: renamed from nm
);
create view tv as select id, name from t;
