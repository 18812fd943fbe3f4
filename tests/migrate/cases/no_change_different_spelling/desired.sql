create table t(
  id integer primary key, -- the key
  a text,
  unique(a)
);
