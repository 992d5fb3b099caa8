/* Files compiled into the binary (see cmake/embed.cmake). */
#ifndef OPORA_EMBEDDED_H
#define OPORA_EMBEDDED_H

#include <stddef.h>

extern const char embedded_openapi_yaml[];
extern const size_t embedded_openapi_yaml_len;
extern const char embedded_demo_data_sql[];
extern const char embedded_demo_plans_sql[];
extern const char embedded_demo_monitoring_sql[];
extern const char embedded_demo_effectiveness_sql[];
extern const char embedded_demo_context_sql[];
extern const char embedded_demo_assessments_sql[];
extern const char embedded_demo_programmes_sql[];

#endif
