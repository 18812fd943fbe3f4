insert into t(email) values ('a'), ('a'), (null), (null);
