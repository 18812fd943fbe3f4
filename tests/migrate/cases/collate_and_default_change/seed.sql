insert into t(name) values ('Ada');
