insert into t(email, deleted) values ('A', 0), ('a', 1);
