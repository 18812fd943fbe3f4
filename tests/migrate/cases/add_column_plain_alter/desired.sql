create table t(
  id integer primary key,
  a text,
  b integer not null default 7,
  c text collate nocase
);
