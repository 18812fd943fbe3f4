create table kv(k text primary key, v text) without rowid;
