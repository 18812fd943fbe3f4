insert into t(nm) values ('ada');
