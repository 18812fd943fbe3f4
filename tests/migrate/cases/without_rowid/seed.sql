insert into kv values ('a', '1'), ('b', '2');
