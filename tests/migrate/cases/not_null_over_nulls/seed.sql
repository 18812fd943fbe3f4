insert into t(a) values (null), ('x');
