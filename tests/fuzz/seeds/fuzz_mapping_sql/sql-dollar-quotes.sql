SELECT $tag$ it's; $1 INSERT $tag$ AS a, $$x$$ AS b, a$b, "we""ird" FROM t WHERE id = $1;
