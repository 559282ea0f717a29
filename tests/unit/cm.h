/* cm.h -- cmocka's includes in the order it needs them. */
#ifndef QT_TEST_CM_H
#define QT_TEST_CM_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif
