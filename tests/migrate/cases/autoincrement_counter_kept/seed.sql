insert into t(a) values ('x'), ('y'), ('z');
delete from t where id = 3;
