create table t(a text, b text);
