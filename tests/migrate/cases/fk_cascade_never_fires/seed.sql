insert into p(name) values ('a'), ('b');
insert into c(p_id) values (1), (2), (2);
