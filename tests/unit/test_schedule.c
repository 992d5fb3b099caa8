/* Schedule texts: every schedule of the five seeds' plan tables with its
 * structured result, the rules of docs/PLANS.md ("Schedules"), the wordings
 * of issue 11 and their families, texts that must mean the same, and that
 * no text (random bytes, truncations, invalid UTF-8) crashes the parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "schedule.h"

struct example {
  const char *text;
  int year; /* the default year */
  const char *json;
};

#define NBSP "\xc2\xa0"

/* Every distinct schedule text of the plan tables of the seeds, as written
 * (cells broken across lines joined by one space), with the roadmap's first
 * year as the default year. */
static const struct example seeds[] = {
    /* 003: the plan of December 2020 */
    {"Декабрь 2020 года", 2020,
     "{'kind':'month','year':2020,'month':12,'due':'2020-12-31'}"},
    {"Апрель 2021 года", 2020,
     "{'kind':'month','year':2021,'month':4,'due':'2021-04-30'}"},
    {"Январь 2021 года", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"Февраль – март 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':2},"
     "'to':{'year':2021,'month':3},'due':'2021-03-31'}"},
    {"Апрель-декабрь 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':4},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Январь-апрель 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':4},'due':'2021-04-30'}"},
    {"Январь - февраль 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':2},'due':'2021-02-28'}"},
    {"Март - апрель 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':3},"
     "'to':{'year':2020,'month':4},'due':'2020-04-30'}"},
    {"Декабрь-январь 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"Декабрь 2020 года - декабрь 2021 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Декабрь 2020 – декабрь 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"Декабрь 2020 года, февраль 2021 года", 2020,
     "{'kind':'months','items':[{'year':2020,'month':12},"
     "{'year':2021,'month':2}],'due':'2021-02-28'}"},
    /* «февраль 2020» is the seed's slip, kept as written */
    {"Декабрь 2020 года, февраль 2020 года, апрель 2021 года", 2020,
     "{'kind':'months','items':[{'year':2020,'month':12},"
     "{'year':2020,'month':2},{'year':2021,'month':4}],'due':'2021-04-30'}"},
    {"В течение 2020/21 учебного года", 2020,
     "{'kind':'school_year','year':2020,'due':'2021-08-31'}"},
    {"В течение 2020/21 учебного года (по графику КГИРО)", 2020,
     "{'kind':'school_year','year':2020,'of':'КГИРО','due':'2021-08-31'}"},
    {"В течение учебного года", 2020,
     "{'kind':'school_year','year':2020,'due':'2021-08-31'}"},
    {"В течение 2021 года", 2020,
     "{'kind':'date_range','from':'2021-01-01','to':'2021-12-31',"
     "'due':'2021-12-31'}"},
    {"По мере готовности", 2020, "{'kind':'on_event','event':'ready'}"},
    {"Ежемесячно", 2020, "{'kind':'recurring','every':'month'}"},
    /* 000: the programme of 2021-2023 */
    {"1 раз в полугодие", 2021,
     "{'kind':'recurring','every':'half_year','times':1}"},
    {"постоянно", 2021, "{'kind':'recurring','every':'permanent'}"},
    {"1 раз в год", 2021, "{'kind':'recurring','every':'year','times':1}"},
    {"по мере реализации программы", 2021,
     "{'kind':'on_event','event':'progress'}"},
    {"По графику", 2021, "{'kind':'by_schedule','of':null}"},
    {"По окончании периода", 2021, "{'kind':'on_event','event':'period_end'}"},
    {"1 раз в квартал", 2021,
     "{'kind':'recurring','every':'quarter','times':1}"},
    {"4 раза в год", 2021, "{'kind':'recurring','every':'year','times':4}"},
    {"Ежегодно  в августе", 2021,
     "{'kind':'recurring','every':'year','months':[8]}"},
    {"Март 2021", 2021,
     "{'kind':'month','year':2021,'month':3,'due':'2021-03-31'}"},
    {"По возможности", 2021, "{'kind':'on_event','event':'possible'}"},
    {"Май 2021", 2021,
     "{'kind':'month','year':2021,'month':5,'due':'2021-05-31'}"},
    /* 001: the programme of 2023, with its monitoring plan-schedule */
    {"февраль - апрель 2023", 2023,
     "{'kind':'month_range','from':{'year':2023,'month':2},"
     "'to':{'year':2023,'month':4},'due':'2023-04-30'}"},
    {"В течение всего периода", 2023,
     "{'kind':'recurring','every':'permanent'}"},
    {"По плану мониторинговых исследований", 2023,
     "{'kind':'by_schedule','of':'мониторинговых исследований'}"},
    {"По плану работы Управления образования, 2-3 раза в год", 2023,
     "{'kind':'recurring','every':'year','times':2,'times_max':3,"
     "'of':'работы Управления образования'}"},
    {"2 раза в год (май, декабрь)", 2023,
     "{'kind':'recurring','every':'year','times':2,'months':[5,12]}"},
    {"По плану работы", 2023, "{'kind':'by_schedule','of':'работы'}"},
    {"Сентябрь текущего года", 2023,
     "{'kind':'yearly_deadline','month':9,'day':30}"},
    {"До 2 мая текущего года", 2023,
     "{'kind':'yearly_deadline','month':5,'day':2}"},
    {"До 1мая текущего года", 2023,
     "{'kind':'yearly_deadline','month':5,'day':1}"},
    {"До 1 октября текущего года", 2023,
     "{'kind':'yearly_deadline','month':10,'day':1}"},
    /* 002: the plan of 2020 */
    {"2 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"2 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"2 квартал  2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':2,'due':'2020-06-30'}"},
    {"1 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':1,'due':'2020-03-31'}"},
    {"3 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':3,'due':'2020-09-30'}"},
    {"3 квартал 2020", 2020,
     "{'kind':'quarter','year':2020,'quarter':3,'due':'2020-09-30'}"},
    {"4 квартал 2020 года", 2020,
     "{'kind':'quarter','year':2020,'quarter':4,'due':'2020-12-31'}"},
    {"2-3 квартал 2020 года", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':4},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"До 1 июля 2020 года", 2020,
     "{'kind':'date','date':'2020-07-01','due':'2020-07-01'}"},
    {"Ежеквартально", 2020, "{'kind':'recurring','every':'quarter'}"},
    {"В течение года", 2020, "{'kind':'recurring','every':'permanent'}"},
    {"Постоянно", 2020, "{'kind':'recurring','every':'permanent'}"},
    {"Сентябрь-октябрь 2020", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2020,'month':10},'due':'2020-10-31'}"},
    {"Август – сентябрь 2020", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':8},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"2 раза в год", 2020, "{'kind':'recurring','every':'year','times':2}"},
    /* 004: the school programme of 2023-2025 */
    {"Январь - февраль 2023", 2023,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':2},'due':'2023-02-28'}"},
    {"По плану работы школы, 2-3 раза в год", 2023,
     "{'kind':'recurring','every':'year','times':2,'times_max':3,"
     "'of':'работы школы'}"},
    {"В течение всего года", 2023, "{'kind':'recurring','every':'permanent'}"},
    /* the programmes' passports («Сроки реализации программы») */
    {"2021–2023 г.г.", 2021,
     "{'kind':'date_range','from':'2021-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"01.02.2023 - 31.12.2023", 2023,
     "{'kind':'date_range','from':'2023-02-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"2023 – 2024 гг.", 2023,
     "{'kind':'date_range','from':'2023-01-01','to':'2024-12-31',"
     "'due':'2024-12-31'}"},
};

/* The rules: forms, abbreviations, spaces, dashes, years and leap years. */
static const struct example rules[] = {
    {"15.03.2021", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 15.03.2021", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 15.03.21.", 2020,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 1 октября 2021 года", 2020,
     "{'kind':'date','date':'2021-10-01','due':'2021-10-01'}"},
    {"не позднее 5 марта", 2022,
     "{'kind':'date','date':'2022-03-05','due':'2022-03-05'}"},
    {"с 01.02 по 15.03.2021", 2020,
     "{'kind':'date_range','from':'2021-02-01','to':'2021-03-15',"
     "'due':'2021-03-15'}"},
    {"в течение 2021-2023 гг.", 2021,
     "{'kind':'date_range','from':'2021-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"май 2021", 2020,
     "{'kind':'month','year':2021,'month':5,'due':'2021-05-31'}"},
    {"МАЯ", 2022, "{'kind':'month','year':2022,'month':5,'due':'2022-05-31'}"},
    {"в январе 2021", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"ЯНВ. 2021 Г.", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {NBSP "Январь" NBSP "2021" NBSP "года.", 2020,
     "{'kind':'month','year':2021,'month':1,'due':'2021-01-31'}"},
    {"февраля 2024", 2020,
     "{'kind':'month','year':2024,'month':2,'due':'2024-02-29'}"},
    {"февраль 1900", 2020,
     "{'kind':'month','year':1900,'month':2,'due':'1900-02-28'}"},
    {"февраль 2000", 2020,
     "{'kind':'month','year':2000,'month':2,'due':'2000-02-29'}"},
    {"сент. — дек. 2021", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':9},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"август-сентябрь", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':8},"
     "'to':{'year':2020,'month':9},'due':'2020-09-30'}"},
    {"сентябрь - май", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2021,'month':5},'due':'2021-05-31'}"},
    {"сентябрь 2020 – май 2021", 2024,
     "{'kind':'month_range','from':{'year':2020,'month':9},"
     "'to':{'year':2021,'month':5},'due':'2021-05-31'}"},
    {"Декабрь 2020 — январь", 2024,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"Декабрь-январь 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':12},"
     "'to':{'year':2021,'month':1},'due':'2021-01-31'}"},
    {"май, декабрь 2021", 2020,
     "{'kind':'months','items':[{'year':2021,'month':5},"
     "{'year':2021,'month':12}],'due':'2021-12-31'}"},
    {"II квартал 2021 г.", 2020,
     "{'kind':'quarter','year':2021,'quarter':2,'due':'2021-06-30'}"},
    {"4 квартал", 2022,
     "{'kind':'quarter','year':2022,'quarter':4,'due':'2022-12-31'}"},
    {"1 полугодие 2021", 2020,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2021,'month':6},'due':'2021-06-30'}"},
    {"2021/2022 учебный год", 2020,
     "{'kind':'school_year','year':2021,'due':'2022-08-31'}"},
    {"ежемесячно", 2020, "{'kind':'recurring','every':'month'}"},
    {"ежемесячно в течение 2021 года", 2020,
     "{'kind':'recurring','every':'month','due':'2021-12-31'}"},
    {"раз в месяц", 2020, "{'kind':'recurring','every':'month','times':1}"},
    {"ежегодно в мае и декабре", 2020,
     "{'kind':'recurring','every':'year','months':[5,12]}"},
    {"ежегодно до 1 октября", 2020,
     "{'kind':'yearly_deadline','month':10,'day':1}"},
    {"до 29 февраля текущего года", 2020, "{'kind':'unparsed'}"},
    {"по запросу", 2020, "{'kind':'on_event','event':'request'}"},
    {"по отдельному плану", 2020, "{'kind':'by_schedule','of':null}"},
    {"По графику «ИРО»", 2020, "{'kind':'by_schedule','of':'«ИРО»'}"},
    {"31.02.2021", 2020, "{'kind':'unparsed'}"},
    {"апрель - март 2021", 2020,
     "{'kind':'month_range','from':{'year':2020,'month':4},"
     "'to':{'year':2021,'month':3},'due':'2021-03-31'}"},
    {"апрель 2021 - март 2021", 2020, "{'kind':'unparsed'}"},
    {"май", 0, "{'kind':'unparsed'}"},
    {"Срок реализации Программы 1 год (2022 – 2023гг)", 2022,
     "{'kind':'unparsed'}"},
    {"по итогам года", 2020, "{'kind':'unparsed'}"},
    {"", 2020, "{'kind':'unparsed'}"},
    {"  \t\n", 2020, "{'kind':'unparsed'}"},
    {"...", 2020, "{'kind':'unparsed'}"},
};

/* Issue 11: real wordings that were unparsed (or, with a comma, read as one
 * date of the default year), and the families they belong to. */
static const struct example wordings[] = {
    /* as reported */
    {"I полугодие 2023 г.", 2023,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'due':'2023-06-30'}"},
    {"до конца 2021 года", 2021,
     "{'kind':'date','date':'2021-12-31','due':'2021-12-31'}"},
    {"до конца года", 2021,
     "{'kind':'date','date':'2021-12-31','due':'2021-12-31'}"},
    {"первое полугодие 2023 года", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'due':'2023-06-30'}"},
    {"в течение I полугодия 2023", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'due':'2023-06-30'}"},
    {"Ежемесячно, до 5 числа", 2021,
     "{'kind':'recurring','every':'month','day':5}"},
    {"ежемесячно до 5 числа", 2021,
     "{'kind':'recurring','every':'month','day':5}"},
    {"ежегодно, до 15 сентября", 2021,
     "{'kind':'yearly_deadline','month':9,'day':15}"},
    {"Ежегодно до 15 сентября", 2021,
     "{'kind':'yearly_deadline','month':9,'day':15}"},
    {"ежеквартально до 5 числа месяца, следующего за отчётным", 2021,
     "{'kind':'recurring','every':'quarter','day':5,'following_month':true}"},
    /* halves and quarters: Roman numerals, ordinals in their case forms */
    {"II полугодие 2023 г.", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':7},"
     "'to':{'year':2023,'month':12},'due':'2023-12-31'}"},
    {"\xd0\x86 полугодие 2023", 2021, /* a Cyrillic «І» */
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'due':'2023-06-30'}"},
    {"во втором полугодии 2022 г.", 2021,
     "{'kind':'month_range','from':{'year':2022,'month':7},"
     "'to':{'year':2022,'month':12},'due':'2022-12-31'}"},
    {"2-ое полугодие", 2022,
     "{'kind':'month_range','from':{'year':2022,'month':7},"
     "'to':{'year':2022,'month':12},'due':'2022-12-31'}"},
    {"первая половина 2023 года", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'due':'2023-06-30'}"},
    {"первый квартал 2022", 2021,
     "{'kind':'quarter','year':2022,'quarter':1,'due':'2022-03-31'}"},
    {"в третьем квартале 2022 г.", 2021,
     "{'kind':'quarter','year':2022,'quarter':3,'due':'2022-09-30'}"},
    {"в течение четвертого квартала 2021 года", 2021,
     "{'kind':'quarter','year':2021,'quarter':4,'due':'2021-12-31'}"},
    {"1-й квартал 2022", 2021,
     "{'kind':'quarter','year':2022,'quarter':1,'due':'2022-03-31'}"},
    {"IV квартал 2021", 2021,
     "{'kind':'quarter','year':2021,'quarter':4,'due':'2021-12-31'}"},
    {"I-II кв. 2022", 2021,
     "{'kind':'month_range','from':{'year':2022,'month':1},"
     "'to':{'year':2022,'month':6},'due':'2022-06-30'}"},
    {"III - IV кварталы 2021 года", 2021,
     "{'kind':'month_range','from':{'year':2021,'month':7},"
     "'to':{'year':2021,'month':12},'due':'2021-12-31'}"},
    {"с I квартала 2021 по II полугодие 2022", 2021,
     "{'kind':'month_range','from':{'year':2021,'month':1},"
     "'to':{'year':2022,'month':12},'due':'2022-12-31'}"},
    {"III полугодие 2023", 2021, "{'kind':'unparsed'}"},
    {"V квартал 2023", 2021, "{'kind':'unparsed'}"},
    {"IV-I квартал 2023", 2021, "{'kind':'unparsed'}"},
    {"I четверть", 2021, "{'kind':'unparsed'}"},
    /* half-years of a school year: September-December, January-May */
    {"I полугодие 2023/24 учебного года", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':9},"
     "'to':{'year':2023,'month':12},'due':'2023-12-31'}"},
    {"II полугодие 2023-2024 учебного года", 2021,
     "{'kind':'month_range','from':{'year':2024,'month':1},"
     "'to':{'year':2024,'month':5},'due':'2024-05-31'}"},
    {"второе полугодие учебного года", 2021,
     "{'kind':'month_range','from':{'year':2022,'month':1},"
     "'to':{'year':2022,'month':5},'due':'2022-05-31'}"},
    /* «до конца <period>»: its last day; «до начала»: the day before */
    {"до конца года", 0, "{'kind':'unparsed'}"},
    {"до конца текущего года", 2021,
     "{'kind':'yearly_deadline','month':12,'day':31}"},
    {"Ежегодно до конца года", 2021,
     "{'kind':'yearly_deadline','month':12,'day':31}"},
    {"до конца I квартала 2022 г.", 2021,
     "{'kind':'date','date':'2022-03-31','due':'2022-03-31'}"},
    {"до конца первого полугодия", 2021,
     "{'kind':'date','date':'2021-06-30','due':'2021-06-30'}"},
    {"к концу 2022 года", 2021,
     "{'kind':'date','date':'2022-12-31','due':'2022-12-31'}"},
    {"до окончания 2021 года", 2021,
     "{'kind':'date','date':'2021-12-31','due':'2021-12-31'}"},
    {"в конце 2021 года", 2021,
     "{'kind':'date','date':'2021-12-31','due':'2021-12-31'}"},
    {"до конца февраля 2024 года", 2021,
     "{'kind':'date','date':'2024-02-29','due':'2024-02-29'}"},
    {"до конца марта", 2021,
     "{'kind':'date','date':'2021-03-31','due':'2021-03-31'}"},
    {"до конца учебного года", 2021,
     "{'kind':'date','date':'2022-08-31','due':'2022-08-31'}"},
    {"до конца 2020/21 учебного года", 2021,
     "{'kind':'date','date':'2021-08-31','due':'2021-08-31'}"},
    {"ежегодно до конца учебного года", 2021,
     "{'kind':'yearly_deadline','month':8,'day':31}"},
    {"до конца месяца", 2021, "{'kind':'unparsed'}"},
    {"до конца полугодия", 2021, "{'kind':'unparsed'}"},
    {"до начала 2022 года", 2021,
     "{'kind':'date','date':'2021-12-31','due':'2021-12-31'}"},
    {"к началу 2021/22 учебного года", 2021,
     "{'kind':'date','date':'2021-08-31','due':'2021-08-31'}"},
    {"до начала марта 2024", 2021,
     "{'kind':'date','date':'2024-02-29','due':'2024-02-29'}"},
    {"ежегодно к началу учебного года", 2021,
     "{'kind':'yearly_deadline','month':8,'day':31}"},
    {"до начала года", 2021, "{'kind':'unparsed'}"},
    /* «до 2024 года»: before 2024 or through it? Left unparsed. */
    {"до 2024 года", 2021, "{'kind':'unparsed'}"},
    /* other deadlines and periods */
    {"к 1 сентября 2021 года", 2021,
     "{'kind':'date','date':'2021-09-01','due':'2021-09-01'}"},
    {"не позже 1 марта 2022", 2021,
     "{'kind':'date','date':'2022-03-01','due':'2022-03-01'}"},
    {"в срок до 15.03.2021", 2021,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 15 марта 2021 г. включительно", 2021,
     "{'kind':'date','date':'2021-03-15','due':'2021-03-15'}"},
    {"до 1-го октября 2021 года", 2021,
     "{'kind':'date','date':'2021-10-01','due':'2021-10-01'}"},
    {"«16» февраля  2023 г.", 2023, /* seed 001 */
     "{'kind':'date','date':'2023-02-16','due':'2023-02-16'}"},
    {"на 2021-2023 годы", 2021, /* seed 000 */
     "{'kind':'date_range','from':'2021-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"на 2022-2023 г.г.", 2022, /* seed 001 */
     "{'kind':'date_range','from':'2022-01-01','to':'2023-12-31',"
     "'due':'2023-12-31'}"},
    {"01.06. – 31.08.2023", 2023, /* seed 004, the stages */
     "{'kind':'date_range','from':'2023-06-01','to':'2023-08-31',"
     "'due':'2023-08-31'}"},
    {"01.09.2023 – 31.12.2024", 2023,
     "{'kind':'date_range','from':'2023-09-01','to':'2024-12-31',"
     "'due':'2024-12-31'}"},
    {"в 2020-2021 учебном году", 2020, /* seed 003 */
     "{'kind':'school_year','year':2020,'due':'2021-08-31'}"},
    {"в период с 01.02 по 15.03.2021", 2021,
     "{'kind':'date_range','from':'2021-02-01','to':'2021-03-15',"
     "'due':'2021-03-15'}"},
    {"с 1 по 15 марта 2021", 2021,
     "{'kind':'date_range','from':'2021-03-01','to':'2021-03-15',"
     "'due':'2021-03-15'}"},
    {"1-15 марта", 2021,
     "{'kind':'date_range','from':'2021-03-01','to':'2021-03-15',"
     "'due':'2021-03-15'}"},
    {"с 1 февраля до конца 2021 года", 2021,
     "{'kind':'date_range','from':'2021-02-01','to':'2021-12-31',"
     "'due':'2021-12-31'}"},
    {"I полугодие 2023 (по графику КГИРО)", 2021,
     "{'kind':'month_range','from':{'year':2023,'month':1},"
     "'to':{'year':2023,'month':6},'of':'КГИРО','due':'2023-06-30'}"},
    /* a day of every month */
    {"ежемесячно, до 5-го числа следующего месяца", 2021,
     "{'kind':'recurring','every':'month','day':5,'following_month':true}"},
    {"каждый месяц до 10 числа", 2021,
     "{'kind':'recurring','every':'month','day':10}"},
    {"Ежеквартально, до 10 числа месяца, следующего за отчетным кварталом",
     2021,
     "{'kind':'recurring','every':'quarter','day':10,'following_month':true}"},
    {"ежеполугодно до 10 числа следующего за отчетным периодом месяца", 2021,
     "{'kind':'recurring','every':'half_year','day':10,"
     "'following_month':true}"},
    {"ежемесячно до 5 числа, в течение 2021 года", 2021,
     "{'kind':'recurring','every':'month','day':5,'due':'2021-12-31'}"},
    {"По плану работы школы, ежемесячно до 5 числа", 2021,
     "{'kind':'recurring','every':'month','day':5,'of':'работы школы'}"},
    {"ежегодно до 5 числа", 2021, "{'kind':'unparsed'}"},
    {"еженедельно до 5 числа", 2021, "{'kind':'unparsed'}"},
    {"ежемесячно до 32 числа", 2021, "{'kind':'unparsed'}"},
    {"ежемесячно до 5", 2021, "{'kind':'unparsed'}"},
    /* a date of every year */
    {"1 раз в год, до 15 сентября", 2021,
     "{'kind':'yearly_deadline','month':9,'day':15}"},
    {"ежегодно до конца сентября", 2021,
     "{'kind':'yearly_deadline','month':9,'day':30}"},
    {"I квартал текущего года", 2021,
     "{'kind':'yearly_deadline','month':3,'day':31}"},
    {"до 15.09 текущего года", 2021,
     "{'kind':'yearly_deadline','month':9,'day':15}"},
    {"ежегодно до 29 февраля", 2021, "{'kind':'unparsed'}"},
    /* a year written bounds the repeat instead */
    {"ежегодно до 15 сентября 2023 года", 2021,
     "{'kind':'recurring','every':'year','due':'2023-09-15'}"},
    /* months named after the repeat */
    {"ежегодно в I квартале", 2021,
     "{'kind':'recurring','every':'year','months':[1,2,3]}"},
    {"2 раза в год: май, декабрь", 2021,
     "{'kind':'recurring','every':'year','times':2,'months':[5,12]}"},
    {"каждый год в сентябре", 2021,
     "{'kind':'recurring','every':'year','months':[9]}"},
};

/* Texts that must mean the same: punctuation, case, word order and the
 * ways of writing a number do not change the meaning. */
static const char *const same[][13] = {
    {"ежегодно до 15 сентября", "Ежегодно, до 15 сентября",
     "ЕЖЕГОДНО; ДО 15 СЕНТЯБРЯ.", "ежегодно – до 15 сентября",
     "ежегодно: до 15 сентября", "Ежегодно (до 15 сентября)",
     "до 15 сентября, ежегодно", "До 15 сентября ежегодно",
     "до 15 сентября каждого года", "ежегодно до 15.09",
     "ежегодно, не позднее 15 сентября", "каждый год до «15» сентября", NULL},
    {"ежемесячно до 5 числа", "Ежемесячно, до 5 числа",
     "ЕЖЕМЕСЯЧНО: ДО 5-ГО ЧИСЛА.", "ежемесячно (до 5 числа)",
     "до 5 числа каждого месяца", "до 5 числа, ежемесячно",
     "каждый месяц, не позднее 5 числа", NULL},
    {"I полугодие 2023 г.", "1 полугодие 2023 года",
     "первое полугодие 2023 года", "I полугодие, 2023 г.",
     "1-е полугодие 2023г.", "в течение I полугодия 2023",
     "В ПЕРВОМ ПОЛУГОДИИ 2023 ГОДА", "I полугодие (2023 г.)",
     "январь - июнь 2023", "первая половина 2023 года", NULL},
    {"до конца 2021 года", "До конца 2021 г.", "до окончания 2021 года",
     "к концу 2021 года.", "до 31.12.2021", "до 31 декабря 2021 года",
     "не позднее 31.12.2021 г.", "до конца года", "до конца IV квартала 2021",
     "до конца декабря 2021", "до начала 2022 года", NULL},
    {"II квартал 2021 г.", "2 квартал 2021", "второй квартал 2021 года",
     "во втором квартале 2021 г.", "2-й квартал, 2021",
     "в течение II квартала 2021 года", NULL},
};

static json_t *expected(const char *single_quoted) {
  char *s = strdup(single_quoted);
  for (char *p = s; *p; p++)
    if (*p == '\'')
      *p = '"';
  json_error_t err;
  json_t *v = json_loads(s, 0, &err);
  if (!v)
    fail_msg("bad expected JSON %s: %s", single_quoted, err.text);
  free(s);
  return v;
}

static void check(const struct example *e) {
  json_t *want = expected(e->json), *got = schedule_parse(e->text, e->year);
  if (!json_equal(want, got)) {
    char *g = json_dumps(got, JSON_SORT_KEYS),
         *w = json_dumps(want, JSON_SORT_KEYS);
    print_message("«%s» (%d)\n  got  %s\n  want %s\n", e->text, e->year,
                  g ? g : "NULL", w);
    free(g);
    free(w);
    json_decref(want);
    json_decref(got);
    fail();
  }
  json_decref(want);
  json_decref(got);
}

static void test_seed_texts(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
    check(&seeds[i]);
}

static void test_rules(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    check(&rules[i]);
}

static void test_wordings(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof wordings / sizeof wordings[0]; i++)
    check(&wordings[i]);
}

static void test_same_meaning(void **state) {
  (void)state;
  for (size_t g = 0; g < sizeof same / sizeof same[0]; g++) {
    json_t *first = schedule_parse(same[g][0], 2021);
    assert_string_not_equal(json_string_value(json_object_get(first, "kind")),
                            "unparsed");
    char *want = json_dumps(first, JSON_SORT_KEYS);
    for (size_t k = 1; same[g][k]; k++) {
      struct example e = {same[g][k], 2021, NULL};
      json_t *got = schedule_parse(e.text, e.year);
      if (!json_equal(first, got)) {
        char *g_text = json_dumps(got, JSON_SORT_KEYS);
        print_message("«%s»\n  got  %s\n  want %s (as «%s»)\n", e.text, g_text,
                      want, same[g][0]);
        free(g_text);
        fail();
      }
      json_decref(got);
    }
    free(want);
    json_decref(first);
  }
}

static void test_null(void **state) {
  (void)state;
  json_t *r = schedule_parse(NULL, 2020);
  assert_string_equal(json_string_value(json_object_get(r, "kind")),
                      "unparsed");
  json_decref(r);
}

/* The result is an object with a "kind", and dumps as JSON. */
static void check_sane(const char *text, int year) {
  json_t *r = schedule_parse(text, year);
  assert_true(json_is_object(r));
  assert_non_null(json_string_value(json_object_get(r, "kind")));
  const char *due = json_string_value(json_object_get(r, "due"));
  if (due)
    assert_int_equal(strlen(due), 10);
  char *dump = json_dumps(r, 0);
  assert_non_null(dump);
  free(dump);
  json_decref(r);
}

static uint32_t rng = 12345;

static uint32_t next_random(void) {
  rng ^= rng << 13;
  rng ^= rng >> 17;
  rng ^= rng << 5;
  return rng;
}

static void check_truncations(const char *text) {
  size_t len = strlen(text);
  char *buf = malloc(len + 1);
  for (size_t n = 0; n <= len; n++) {
    memcpy(buf, text, n);
    buf[n] = '\0';
    check_sane(buf, 2020);
    check_sane(buf, 0);
  }
  for (size_t n = 0; n < len; n++)
    check_sane(text + n, 2100);
  free(buf);
}

static void test_truncations(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
    check_truncations(seeds[i].text);
  for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
    check_truncations(rules[i].text);
  for (size_t i = 0; i < sizeof wordings / sizeof wordings[0]; i++)
    check_truncations(wordings[i].text);
}

static void test_invalid_utf8(void **state) {
  (void)state;
  static const char *const bad[] = {
      "\xff",         "Январь \xd0",   "\xd0\x41",
      "\xc0\xaf",     "\xed\xa0\x80",  "\xf4\x90\x80\x80",
      "2021\xe2\x80", "май \x80 2021", "\xf0\x9f\x98\x80 май 2021",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    check_sane(bad[i], 2020);
  json_t *r = schedule_parse("Январь 2021 \xd0", 2020);
  assert_string_equal(json_string_value(json_object_get(r, "kind")),
                      "unparsed");
  json_decref(r);
}

static void test_random_bytes(void **state) {
  (void)state;
  char buf[80];
  for (int i = 0; i < 20000; i++) {
    size_t n = next_random() % (sizeof buf - 1);
    for (size_t k = 0; k < n; k++)
      buf[k] = (char)(next_random() % 255 + 1);
    buf[n] = '\0';
    check_sane(buf, (int)(next_random() % 3000));
  }
}

/* Random sequences of the parser's own words reach its deeper paths. */
static void test_random_words(void **state) {
  (void)state;
  static const char *const words[] = {
      "январь",     "декабря", "2021",      "2020",
      "года",       "г.",      "-",         "–",
      ",",          ".",       "(",         ")",
      "/",          "21",      "15",        "03",
      "15.03",      "квартал", "2",         "раза",
      "раз",        "в",       "год",       "до",
      "с",          "по",      "текущего",  "графику",
      "плану",      "течение", "учебного",  "ежегодно",
      "постоянно",  "и",       "мая",       "99999999999999",
      "полугодие",  "II",      "29",        "февраля",
      ";",          NBSP,      "I",         "IV",
      "первое",     "второго", "полугодия", "кварталы",
      "конца",      "начала",  "числа",     "-го",
      "следующего", "за",      "отчетным",  "месяца",
      "ежемесячно", "каждого", "к",         "включительно",
      "на",         "«",       "»",         "учебного",
      "половина",   "5",       ":"};
  char buf[512];
  for (int i = 0; i < 20000; i++) {
    size_t len = 0, n = next_random() % 10;
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
      const char *w = words[next_random() % (sizeof words / sizeof words[0])];
      len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", w,
                              next_random() % 4 ? " " : "");
    }
    check_sane(buf, 2000 + (int)(next_random() % 40));
  }
}

static void test_long_texts(void **state) {
  (void)state;
  size_t n = 100000;
  char *buf = malloc(n + 1);
  for (size_t k = 0; k < n; k++)
    buf[k] = "январь 2021 "[k % 12];
  buf[n] = '\0';
  check_sane(buf, 2020);
  memset(buf, '7', n);
  check_sane(buf, 2020);
  memset(buf, '-', n);
  check_sane(buf, 2020);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seed_texts),   cmocka_unit_test(test_rules),
      cmocka_unit_test(test_wordings),     cmocka_unit_test(test_same_meaning),
      cmocka_unit_test(test_null),         cmocka_unit_test(test_truncations),
      cmocka_unit_test(test_invalid_utf8), cmocka_unit_test(test_random_bytes),
      cmocka_unit_test(test_random_words), cmocka_unit_test(test_long_texts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
