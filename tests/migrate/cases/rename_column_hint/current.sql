create table t(id integer primary key, nm text);
create index t_nm on t(nm);
