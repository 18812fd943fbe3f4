insert into t(email) values ('a'), ('b'), (null), (null);
