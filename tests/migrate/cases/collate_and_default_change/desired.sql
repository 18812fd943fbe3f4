create table t(id integer primary key, name text collate nocase, status text default 'open');
