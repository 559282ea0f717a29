/* outer /* nested */ still */ -- line comment
WITH x AS (SELECT E'it\'s' AS s, 'a''b' AS t, U&"d\0061t" AS u)
SELECT * FROM x WHERE s <> $1 /* trailing */ ; -- done
