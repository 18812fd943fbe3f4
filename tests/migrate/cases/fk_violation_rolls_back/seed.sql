insert into p values (1);
insert into c(p_id) values (1), (2);
