create table t(
  id integer primary key,
  name text -- zen: renamed from nm
);
create index t_nm on t(name);
