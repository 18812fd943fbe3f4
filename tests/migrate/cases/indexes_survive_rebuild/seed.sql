insert into t(email, n) values ('a', '1'), ('b', null);
