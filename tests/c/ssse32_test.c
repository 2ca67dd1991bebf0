/*
 * The C side of the libssse32 acceptance test: a POS program that calls
 * every exported function of spec 05 through the C header and the shared
 * library, against the simulated card and PSAM behind pcscd + vpcd, and
 * checks every output field.
 *
 * It is driven by crates/sscard-ffi/tests/c_program.rs, which serves the
 * cards and plays two roles on request, one line each way:
 *   HSM AUTH <card id> <algorithm|key address|process factor|source|>
 *   HSM BAS <iReadCardBas_HSM_Step1 line>
 *   HSM SM <card id> <iReloadPIN/iUnblockPIN_HSM_Step2 line>
 *   HSM MAC1 <card id> <iDoDebit_HSM_Step1 line>
 *   HSM MAC2 <MAC2>
 *        the key server (a stand-in over the test master keys), and
 *   SWAP / UNSWAP
 *        a holder who takes the card out and puts another (or the first) in.
 * Text is GBK: 张三 is D5C5 C8FD.
 *
 * Exit status 0 when every check passed; each failure is printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssse32.h"

#define CARD_ID "639900D15600000500BF7C7A48FB4966"
#define CARD_INFO CARD_ID "|X00000019|"
#define NAME "\xD5\xC5\xC8\xFD"
#define BAS_TAIL "|00814E43238697159900BF7C7A|3.00|20261101|20361101|"

static int checks, failures;

static void check(int ok, const char *what, const char *detail) {
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "FAIL %s: %s\n", what, detail ? detail : "");
    }
}

static void expect_rc(long rc, long want, const char *what, const char *out) {
    char msg[2200];
    snprintf(msg, sizeof msg, "returned %ld, expected %ld; output: %.2000s", rc, want, out);
    check(rc == want, what, msg);
}

static void expect_str(const char *got, const char *want, const char *what) {
    char msg[2600];
    snprintf(msg, sizeof msg, "got \"%.1200s\", expected \"%.1200s\"", got, want);
    check(strcmp(got, want) == 0, what, msg);
}

/* Copies src into dst (n bytes), cut to fit. */
static void copy(char *dst, size_t n, const char *src) {
    size_t len = strlen(src);
    if (len >= n) len = n - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Splits a '|'-terminated line into at most max fields (in place). */
static int fields(char *line, char **f, int max) {
    int n = 0;
    char *p = line;
    while (*p && n < max) {
        char *bar = strchr(p, '|');
        if (!bar) return -1; /* the last field is not terminated */
        *bar = '\0';
        f[n++] = p;
        p = bar + 1;
    }
    return *p ? -1 : n;
}

static int is_hex(const char *s, size_t len) {
    if (strlen(s) != len) return 0;
    for (; *s; s++)
        if (!strchr("0123456789ABCDEF", *s)) return 0;
    return 1;
}

static void expect_hex(const char *s, size_t len, const char *what) {
    char msg[300];
    snprintf(msg, sizeof msg, "\"%.200s\" is not %zu upper-case hex digits", s, len);
    check(is_hex(s, len), what, msg);
}

/* Asks the driver; the answer (one line) into buf. */
static void ask(const char *request, char *buf, size_t size) {
    printf("%s\n", request);
    fflush(stdout);
    if (!fgets(buf, (int)size, stdin)) {
        fprintf(stderr, "FAIL no answer to %s\n", request);
        exit(2);
    }
    buf[strcspn(buf, "\r\n")] = '\0';
}

static void pins(const char *list) { setenv("SSSE32_TEST_PINS", list, 1); }

static char out[20480], key[512], req[1200], ans[512];

static void basic_information(void) {
    long rc = iReadCardBas(1, out);
    expect_rc(rc, 0, "iReadCardBas", out);
    expect_str(out, "639900|11010519491231002X|X00000019|" CARD_ID "|" NAME BAS_TAIL "410100813475||",
               "iReadCardBas line");
    /* Automatic interface selection: the one configured reader serves every iType. */
    for (int t = 2; t <= 4; t++) {
        rc = iReadCardBas(t, out);
        expect_rc(rc, 0, "iReadCardBas other iType", out);
    }
    expect_rc(iReadCardBas(0, out), -14, "iReadCardBas iType 0", out);

    rc = iReadCardBas_HSM_Step1(1, out);
    expect_rc(rc, 0, "iReadCardBas_HSM_Step1", out);
    char line[1024];
    copy(line, sizeof line, out);
    char *f[16];
    int n = fields(out, f, 16);
    check(n == 9, "iReadCardBas_HSM_Step1 has 9 fields", line);
    if (n == 9) {
        expect_str(f[0], "639900", "step 1 area code");
        expect_str(f[1], "00814E43238697159900BF7C7A", "step 1 historical bytes");
        expect_str(f[2], "03", "step 1 algorithm");
        expect_str(f[3], CARD_ID, "step 1 card id");
        for (int i = 4; i < 8; i++) expect_hex(f[i], 16, "step 1 factors and sources (3.0 card: external too)");
        expect_str(f[8], "", "step 1 terminal device code");
    }
    snprintf(req, sizeof req, "HSM BAS %.1000s", line);
    ask(req, key, sizeof key);
    rc = iReadCardBas_HSM_Step2(key, out);
    expect_rc(rc, 0, "iReadCardBas_HSM_Step2", out);
    expect_str(out, "639900|11010519491231002X|X00000019|" CARD_ID "|" NAME BAS_TAIL "000000000000||",
               "iReadCardBas_HSM_Step2 line (no PSAM: twelve 0 digits)");
    /* A forged internal answer: the card is not genuine. */
    iReadCardBas_HSM_Step1(1, out);
    snprintf(req, sizeof req, "HSM BAS %.1000s", out);
    ask(req, key, sizeof key);
    key[0] = key[0] == '0' ? '1' : '0';
    expect_rc(iReadCardBas_HSM_Step2(key, out), -21, "iReadCardBas_HSM_Step2 forged", out);
    expect_rc(iReadCardBas_HSM_Step2(key, out), -14, "Step2 again without Step1", out);
}

static void files(void) {
    pins("123456");
    long rc = iReadCard(1, 1, CARD_INFO, "DF01EF0A|37|$", out);
    expect_rc(rc, 0, "iReadCard DF01EF0A", out);
    expect_str(out, "DF01EF0A|CHN|$", "iReadCard DF01EF0A value");
    pins("123456");
    rc = iReadCard(1, 2, CARD_INFO, "SSSEEF05|07|05|$DF01EF15|2A|40:2|$DF04EF05|3B|$", out);
    expect_rc(rc, 0, "iReadCard three files", out);
    expect_str(out, "SSSEEF05|X00000019|20261101|$DF01EF15|4|^^^|$DF04EF05|639900|$", "iReadCard three files");
    rc = iReadCard(1, 2, CARD_INFO, "SSSEEF06|08|09|$", out);
    expect_rc(rc, 0, "iReadCard EF06 (RKSSSE through the PSAM)", out);
    expect_str(out, "SSSEEF06|11010519491231002X|" NAME "|$", "iReadCard EF06");
    expect_rc(iReadCard(1, 1, "639900D15600000500BF7C7A48FB4967|X00000019|", "DF01EF0A|37|$", out), -22,
              "iReadCard another card's pCardInfo", out);
    expect_rc(iReadCard(1, 1, CARD_INFO, "DF01EF0A|37|", out), -23, "iReadCard malformed pFileAddr", out);
    expect_rc(iReadCard(1, 1, "6399|X00000019|", "DF01EF0A|37|$", out), -20, "iReadCard bad card id", out);

    /* The same read through the key server. */
    rc = iReadCard_HSM_Step1(1, CARD_INFO, "SSSEEF06|08|09|$", out);
    expect_rc(rc, 0, "iReadCard_HSM_Step1", out);
    char line[1024];
    copy(line, sizeof line, out);
    char *f[8];
    int n = fields(out, f, 8);
    check(n == 4, "iReadCard_HSM_Step1 has 4 fields", line);
    if (n == 4) {
        expect_str(f[0], "03", "read step 1 algorithm");
        expect_str(f[1], "004C", "read step 1 key address (RKSSSE)");
        expect_hex(f[2], 16, "read step 1 process factor");
        expect_hex(f[3], 16, "read step 1 source");
    }
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, line);
    ask(req, key, sizeof key);
    expect_hex(key, 32, "the key server's pKey");
    rc = iReadCard_HSM_Step2(key, out);
    expect_rc(rc, 0, "iReadCard_HSM_Step2", out);
    expect_str(out, "SSSEEF06|11010519491231002X|" NAME "|$", "iReadCard_HSM_Step2 value");
    expect_rc(iReadCard_HSM_Step1(1, CARD_INFO, "SSSEEF05|07|$", out), -2204, "iReadCard_HSM_Step1 free file", out);
    /* A wrong answer counts RKSSSE down: 2 tries left. */
    iReadCard_HSM_Step1(1, CARD_INFO, "SSSEEF06|08|$", out);
    snprintf(key, sizeof key, "0000000000000000%.16s", out + 8 + 17);
    key[32] = '\0';
    expect_rc(iReadCard_HSM_Step2(key, out), -25536, "iReadCard_HSM_Step2 wrong auth data", out);
    /* A good one resets the counter. */
    iReadCard_HSM_Step1(1, CARD_INFO, "SSSEEF06|08|$", out);
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, out);
    ask(req, key, sizeof key);
    expect_rc(iReadCard_HSM_Step2(key, out), 0, "iReadCard_HSM_Step2 after a wrong one", out);
    expect_str(out, "SSSEEF06|11010519491231002X|$", "iReadCard_HSM_Step2 ssn");

    /* Writes. */
    rc = iWriteCard(1, CARD_INFO, "DF01EF0A|37|$", "DF01EF0A|HKG|$", out);
    expect_rc(rc, 0, "iWriteCard", out);
    expect_str(out, "", "iWriteCard output");
    pins("123456");
    iReadCard(1, 1, CARD_INFO, "DF01EF0A|37|$", out);
    expect_str(out, "DF01EF0A|HKG|$", "read back after iWriteCard");
    rc = iWriteCard_HSM_Step1(1, CARD_INFO, "DF01EF0A|37|$", out);
    expect_rc(rc, 0, "iWriteCard_HSM_Step1", out);
    check(strncmp(out, "03|0052|", 8) == 0, "iWriteCard_HSM_Step1 key UK1DF01", out);
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, out);
    ask(req, key, sizeof key);
    rc = iWriteCard_HSM_Step2(key, "DF01EF0A|CHN|$", out);
    expect_rc(rc, 0, "iWriteCard_HSM_Step2", out);
    pins("123456");
    iReadCard(1, 1, CARD_INFO, "DF01EF0A|37|$", out);
    expect_str(out, "DF01EF0A|CHN|$", "read back after iWriteCard_HSM_Step2");
    expect_rc(iWriteCard(1, CARD_INFO, "DF04EF07|$", "DF04EF07|$", out), -27010, "iWriteCard the debit log", out);
    expect_rc(iWriteCard(1, CARD_INFO, "DF01EF0A|37|$", "DF01EF0A|TOOLONG|$", out), -42, "iWriteCard too long", out);
}

static void pin_functions(void) {
    pins("123456");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN", out);
    expect_str(out, "", "iVerifyPIN output");
    pins("000000");
    expect_rc(iVerifyPIN(1, out), -51, "iVerifyPIN wrong", out);
    check(strstr(out, "2") != NULL, "iVerifyPIN wrong: tries left in the output", out);
    pins("000000");
    expect_rc(iVerifyPIN(1, out), -51, "iVerifyPIN wrong again", out);
    check(strstr(out, "1") != NULL, "iVerifyPIN: one try left", out);
    pins("123456");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN resets the counter", out);
    pins("12");
    expect_rc(iVerifyPIN(1, out), -33, "iVerifyPIN too short", out);
    pins("");
    expect_rc(iVerifyPIN(1, out), -31, "iVerifyPIN cancelled", out);

    pins("123456,654321,654321");
    expect_rc(iChangePIN(1, out), 0, "iChangePIN", out);
    pins("654321");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN new PIN", out);
    pins("654321,111111,222222");
    expect_rc(iChangePIN(1, out), -34, "iChangePIN new PINs differ", out);
    pins("654321,123456,123456");
    expect_rc(iChangePIN(1, out), 0, "iChangePIN back", out);

    pins("222222,222222");
    expect_rc(iReloadPIN(1, CARD_INFO, out), 0, "iReloadPIN", out);
    pins("222222");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN reloaded PIN", out);

    /* Reload through the key server: the card proves itself, then the new PIN. */
    long rc = iReloadPIN_HSM_Step1(1, CARD_INFO, out);
    expect_rc(rc, 0, "iReloadPIN_HSM_Step1", out);
    check(strncmp(out, "03|0170|", 8) == 0, "iReloadPIN_HSM_Step1 key IRK", out);
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, out);
    ask(req, key, sizeof key);
    pins("123456,123456");
    rc = iReloadPIN_HSM_Step2(key, out);
    expect_rc(rc, 0, "iReloadPIN_HSM_Step2", out);
    char line[512];
    copy(line, sizeof line, out);
    char *f[8];
    int n = fields(out, f, 8);
    check(n == 5, "iReloadPIN_HSM_Step2 has 5 fields", line);
    if (n == 5) {
        expect_str(f[0], "03", "reload step 2 algorithm");
        expect_str(f[1], "0090", "reload step 2 key (PUK)");
        expect_hex(f[2], 16, "reload step 2 process factor");
        expect_str(f[3], "845E000014", "reload step 2 header");
        expect_str(f[4], "123456", "reload step 2 new PIN");
    }
    snprintf(req, sizeof req, "HSM SM %s %.1000s", CARD_ID, line);
    ask(req, key, sizeof key);
    expect_hex(key, 50, "reload pKey: header, cipher, MAC");
    expect_rc(iReloadPIN_HSM_Step3(key, out), 0, "iReloadPIN_HSM_Step3", out);
    pins("123456");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN after the HSM reload", out);

    /* Block, then unblock with the PSAM. */
    for (int i = 0; i < 2; i++) {
        pins("000000");
        expect_rc(iVerifyPIN(1, out), -51, "iVerifyPIN down to blocked", out);
    }
    pins("000000");
    expect_rc(iVerifyPIN(1, out), -52, "iVerifyPIN blocked", out);
    pins("123456");
    expect_rc(iVerifyPIN(1, out), -52, "iVerifyPIN still blocked", out);
    expect_rc(iUnblockPIN(1, CARD_INFO, out), 0, "iUnblockPIN", out);
    pins("123456");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN after iUnblockPIN", out);
    /* And through the key server. */
    for (int i = 0; i < 3; i++) {
        pins("000000");
        iVerifyPIN(1, out);
    }
    rc = iUnblockPIN_HSM_Step1(1, CARD_INFO, out);
    expect_rc(rc, 0, "iUnblockPIN_HSM_Step1", out);
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, out);
    ask(req, key, sizeof key);
    rc = iUnblockPIN_HSM_Step2(key, out);
    expect_rc(rc, 0, "iUnblockPIN_HSM_Step2", out);
    copy(line, sizeof line, out);
    n = fields(out, f, 8);
    check(n == 5, "iUnblockPIN_HSM_Step2 has 5 fields", line);
    if (n == 5) {
        expect_str(f[1], "0090", "unblock step 2 key (PUK)");
        expect_hex(f[2], 16, "unblock step 2 process factor");
        expect_str(f[3], "8424000004", "unblock step 2 header");
        expect_str(f[4], "", "unblock step 2: no PIN");
    }
    snprintf(req, sizeof req, "HSM SM %s %.1000s", CARD_ID, line);
    ask(req, key, sizeof key);
    expect_hex(key, 18, "unblock pKey: header and MAC");
    expect_rc(iUnblockPIN_HSM_Step3(key, out), 0, "iUnblockPIN_HSM_Step3", out);
    pins("123456");
    expect_rc(iVerifyPIN(1, out), 0, "iVerifyPIN after the HSM unblock", out);
}

static void debits(void) {
    pins("123456");
    long rc = iDoDebit(1, CARD_INFO, "25.80|20.00|20261123101530|", out);
    expect_rc(rc, 0, "iDoDebit", out);
    char line[1024];
    copy(line, sizeof line, out);
    char *f[12];
    int n = fields(out, f, 12);
    check(n == 8, "iDoDebit has 8 fields", line);
    if (n == 8) {
        expect_str(f[0], "03", "debit algorithm");
        expect_str(f[1], "017F", "debit key address");
        expect_str(f[2], "00000A14", "debit amount (the one the card sees)");
        expect_str(f[3], "06", "debit transaction type (EP purchase)");
        expect_str(f[4], "410100813475", "debit terminal no.");
        expect_hex(f[5], 8, "debit terminal txn no.");
        expect_str(f[6], "20261123101530", "debit date-time");
        expect_hex(f[7], 8, "debit TAC");
    }
    pins("123456");
    expect_rc(iDoDebit(1, CARD_INFO, "25.80|30.00|20261123101530|", out), -23, "iDoDebit bad pPayInfo", out);
    pins("123456");
    expect_rc(iDoDebit(1, CARD_INFO, "999.00|0.00|20261123101530|", out), -37889, "iDoDebit over the balance (9401)", out);

    pins("123456");
    rc = iDoDebit_HSM_Step1(1, CARD_INFO, "1.00|0.50|20261123101531|", out);
    expect_rc(rc, 0, "iDoDebit_HSM_Step1", out);
    copy(line, sizeof line, out);
    n = fields(out, f, 12);
    check(n == 8, "iDoDebit_HSM_Step1 has 8 fields", line);
    if (n == 8) {
        expect_str(f[0], "03", "step 1 algorithm");
        expect_str(f[1], "017F", "step 1 key address");
        expect_hex(f[2], 8, "step 1 pseudo-random");
        expect_str(f[3], "0001", "step 1 debit counter");
        expect_str(f[4], "00000064", "step 1 amount");
        expect_str(f[5], "06", "step 1 transaction type");
        expect_str(f[6], "000000000000", "step 1 terminal no. (no PSAM)");
        expect_str(f[7], "20261123101531", "step 1 date-time");
    }
    snprintf(req, sizeof req, "HSM MAC1 %s %.1000s", CARD_ID, line);
    ask(req, key, sizeof key);
    rc = iDoDebit_HSM_Step2(key, out);
    expect_rc(rc, 0, "iDoDebit_HSM_Step2", out);
    copy(line, sizeof line, out);
    n = fields(out, f, 12);
    check(n == 9, "iDoDebit_HSM_Step2 has 9 fields", line);
    if (n == 9) {
        expect_hex(f[0], 8, "step 2 MAC2");
        expect_str(f[1], "03", "step 2 algorithm");
        expect_str(f[2], "017F", "step 2 key address");
        expect_str(f[3], "00000064", "step 2 amount");
        expect_str(f[4], "06", "step 2 transaction type");
        expect_str(f[5], "000000000000", "step 2 terminal no.");
        expect_hex(f[6], 8, "step 2 terminal txn no.");
        expect_str(f[7], "20261123101531", "step 2 date-time");
        expect_hex(f[8], 8, "step 2 TAC");
        snprintf(req, sizeof req, "HSM MAC2 %.100s", f[0]);
        ask(req, ans, sizeof ans);
        expect_str(ans, "OK", "the key server accepts MAC2");
    }

    pins("123456");
    rc = iReadDebitRecord(1, out);
    expect_rc(rc, 0, "iReadDebitRecord", out);
    copy(line, sizeof line, out);
    int records = 0, carets = 0;
    for (const char *p = line; *p; p++) {
        records += *p == '|';
        carets += *p == '^';
    }
    check(records == 2, "iReadDebitRecord: two records", line);
    check(carets == 10, "iReadDebitRecord: five fields each", line);
    check(strstr(line, "^000000000000^20261123101531^1.00^0.50^|") != NULL, "newest record first (HSM debit)", line);
    check(strstr(line, "^410100813475^20261123101530^25.80^20.00^|") != NULL, "the PSAM debit", line);
    /* The card's detail record has no terminal transaction number or split:
       both come from the terminal journal (journal in ssse32.toml). */
    check(strlen(line) > 8 && line[8] == '^', "the journal's transaction number first", line);

    char num[20], err[200];
    rc = iReadICCardNum(num, err);
    expect_rc(rc, 0, "iReadICCardNum", err);
    expect_str(num, "6235990012345678901", "iReadICCardNum PAN");
    expect_str(err, "", "iReadICCardNum no error");
}

static void error_paths(void) {
    /* The card is swapped between the steps: -22. */
    long rc = iReadCard_HSM_Step1(1, CARD_INFO, "SSSEEF06|08|$", out);
    expect_rc(rc, 0, "iReadCard_HSM_Step1 before the swap", out);
    snprintf(req, sizeof req, "HSM AUTH %s %.1000s", CARD_ID, out);
    ask(req, key, sizeof key);
    ask("SWAP", ans, sizeof ans);
    expect_rc(iReadCard_HSM_Step2(key, out), -22, "iReadCard_HSM_Step2 after a swap", out);
    /* The other card is in the reader now: pCardInfo names the first one. */
    expect_rc(iReadCard(1, 1, CARD_INFO, "SSSEEF05|07|$", out), -22, "iReadCard on the other card", out);
    ask("UNSWAP", ans, sizeof ans);
    expect_rc(iReadCard(1, 1, CARD_INFO, "SSSEEF05|07|$", out), 0, "iReadCard after the swap back", out);

    /* Missing keys and PSAMs. */
    const char *nokey = getenv("SSCARD_TEST_PSAM_NO_UK1DF01");
    const char *norksse = getenv("SSCARD_TEST_PSAM_NO_RKSSSE");
    const char *nodf = getenv("SSCARD_TEST_PSAM_NO_SM4");
    const char *nodf_profiles = getenv("SSCARD_TEST_PSAM_NO_SM4_PROFILES");
    check(nokey && norksse && nodf && nodf_profiles, "test PSAM images given", "");
    if (!(nokey && norksse && nodf && nodf_profiles)) return;
    /* The readers come from ssse32.toml next to the library; a variable overrides it. */
    setenv("SSSE32_PSAM_READER", nokey, 1);
    /* UK1DF01 is a province-level key: a PSAM without it is of another region, -24. */
    expect_rc(iWriteCard(1, CARD_INFO, "DF01EF0A|37|$", "DF01EF0A|CHN|$", out), -24, "PSAM without UK1DF01", out);
    setenv("SSSE32_PSAM_READER", norksse, 1);
    expect_rc(iReadCardBas(1, out), -2203, "PSAM without RKSSSE", out);
    setenv("SSSE32_PSAM_READER", nodf, 1);
    setenv("SSSE32_PROFILES", nodf_profiles, 1);
    expect_rc(iReadCardBas(1, out), -2202, "PSAM without SM4 keys", out);
    unsetenv("SSSE32_PROFILES");
    setenv("SSSE32_PSAM_READER", "none", 1);
    expect_rc(iReadCardBas(1, out), -2201, "no PSAM", out);
    pins("123456");
    expect_rc(iDoDebit(1, CARD_INFO, "1.00|1.00|20261123101532|", out), -2201, "iDoDebit without a PSAM", out);
    unsetenv("SSSE32_PSAM_READER");
    expect_rc(iReadCardBas(1, out), 0, "the PSAM of ssse32.toml again", out);
    setenv("SSSE32_READER", "No Such Reader", 1);
    rc = iReadCardBas(1, out);
    check(rc == -12 || rc == -11, "a reader that does not exist", out);
    unsetenv("SSSE32_READER");
    expect_rc(iReadCardBas(1, out), 0, "the reader of ssse32.toml again", out);
}

int main(void) {
    basic_information();
    files();
    pin_functions();
    debits();
    error_paths();
    printf("DONE %d %d\n", checks, failures);
    fflush(stdout);
    return failures == 0 ? 0 : 1;
}
