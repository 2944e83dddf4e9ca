/*
 * calendar.c — date arithmetic for protocols; see calendar.h.
 */
#include "calendar.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

const char *const msi_weekday_abbr[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const FULL[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                    "friday", "saturday", "sunday"};

long msi_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void msi_civil_from_days(long z, int *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long yy = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

int msi_weekday(long days)
{
    /* 1970-01-01 was a Thursday (3) */
    long w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int msi_parse_date(const char *s, long *days)
{
    int y, m, d, n = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return -1;
    if (y < 1900 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    long z = msi_days_from_civil(y, m, d);
    int y2, m2, d2;
    msi_civil_from_days(z, &y2, &m2, &d2);
    if (y2 != y || m2 != m || d2 != d) /* 2027-02-30 */
        return -1;
    *days = z;
    return 0;
}

int msi_parse_weekday(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strcasecmp(s, FULL[i]) == 0 || strcasecmp(s, msi_weekday_abbr[i]) == 0)
            return i;
    return -1;
}

int msi_parse_clock(const char *s, double *hours)
{
    int h, m, n = 0;
    if (sscanf(s, "%2d:%2d%n", &h, &m, &n) != 2 || s[n] != '\0' || n < 4)
        return -1;
    if (!isdigit((unsigned char)s[0]) || h < 0 || h > 23 || m < 0 || m > 59)
        return -1;
    *hours = h + m / 60.0;
    return 0;
}

void msi_format_date(long days, char *buf)
{
    int y, m, d;
    msi_civil_from_days(days, &y, &m, &d);
    /* y is within 1900..2200 for every date a protocol accepts */
    snprintf(buf, 11, "%04d-%02d-%02d", (y % 10000 + 10000) % 10000, (m % 13 + 13) % 13,
             (d % 32 + 32) % 32);
}
