/*
 * calendar.h — civil dates as day numbers (proleptic Gregorian; days since
 * 1970-01-01), weekdays, and the parsing of dates, weekday names and clock
 * times.  Pure arithmetic (the algorithms of H. Hinnant, "chrono-compatible
 * low-level date algorithms"); no time zones, no C library time functions.
 */
#ifndef MS_CALENDAR_H
#define MS_CALENDAR_H

/* Days since 1970-01-01 of y-m-d. */
long msi_days_from_civil(int y, int m, int d);
void msi_civil_from_days(long z, int *y, int *m, int *d);
/* 0 = Monday ... 6 = Sunday. */
int msi_weekday(long days);
/* "2027-01-04" -> days; 0 on success. Checks the day exists. */
int msi_parse_date(const char *s, long *days);
/* "monday", "mon", "Mon" -> 0..6, or -1. */
int msi_parse_weekday(const char *s);
/* "09:30" -> 9.5 hours; 0 on success. */
int msi_parse_clock(const char *s, double *hours);
/* "2027-01-04" into buf (at least 11 bytes). */
void msi_format_date(long days, char *buf);
extern const char *const msi_weekday_abbr[7]; /* "Mon" ... "Sun" */

#endif
