create table t(id integer primary key autoincrement, a text not null default '-');
