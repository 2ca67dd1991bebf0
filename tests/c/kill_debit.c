/* One call of the reader interface for the kill sweep: `debit` runs
   iDoDebit, `records` iReadDebitRecord; prints the code and the output.
   The library aborts where SSCARD_TEST_CRASH_AT says (as kill -9 would). */
#include <stdio.h>
#include <string.h>
#include "ssse32.h"

int main(int argc, char **argv) {
    char out[2048];
    memset(out, 0, sizeof out);
    if (argc < 3) return 2;
    long rc;
    if (strcmp(argv[1], "debit") == 0) {
        rc = iDoDebit(1, argv[2], "12.34|10.00|20261123101530|", out);
    } else {
        rc = iReadDebitRecord(1, out);
    }
    printf("%ld %s\n", rc, out);
    return rc == 0 ? 0 : 1;
}
