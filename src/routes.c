/* The route table: every operation the server answers, in one place. Each
 * row matches an operation of openapi.yaml by method, path and operationId
 * (tests/unit/test_spec.c keeps the two in step). `permission` is what the
 * access-control layer will require of the caller. */
#include "handlers.h"
#include "router.h"

#define API "/api/v1"
#define JSON ROUTE_BODY_JSON
/* method, path, handler, operationId, permission, flags */
#define ROUTE(m, path, handler, op, perm, flags)                               \
  { m, path, handler, op, perm, flags, NULL }

const struct route routes[] = {
    ROUTE(HTTP_GET, "/health", health_get, "getHealth", NULL, 0),
    ROUTE(HTTP_GET, "/ready", ready_get, "getReady", NULL, 0),
    ROUTE(HTTP_GET, "/metrics", metrics_get, "getMetrics", NULL, 0),
    ROUTE(HTTP_GET, API "/openapi.yaml", openapi_get, "getOpenapi", NULL, 0),

    ROUTE(HTTP_GET, API "/regions", regions_list, "listRegions",
          "territory:read", 0),
    ROUTE(HTTP_POST, API "/regions", regions_create, "createRegion",
          "territory:write", JSON),
    ROUTE(HTTP_GET, API "/regions/{id}", region_get, "getRegion",
          "territory:read", 0),
    ROUTE(HTTP_PATCH, API "/regions/{id}", region_update, "updateRegion",
          "territory:write", JSON),

    ROUTE(HTTP_GET, API "/municipalities", municipalities_list,
          "listMunicipalities", "territory:read", 0),
    ROUTE(HTTP_POST, API "/municipalities", municipalities_create,
          "createMunicipality", "territory:write", JSON),
    ROUTE(HTTP_GET, API "/municipalities/{id}", municipality_get,
          "getMunicipality", "territory:read", 0),
    ROUTE(HTTP_PATCH, API "/municipalities/{id}", municipality_update,
          "updateMunicipality", "territory:write", JSON),

    ROUTE(HTTP_GET, API "/schools", schools_list, "listSchools", "schools:read",
          0),
    ROUTE(HTTP_POST, API "/schools", schools_create, "createSchool",
          "schools:write", JSON),
    ROUTE(HTTP_GET, API "/schools/{id}", school_get, "getSchool",
          "schools:read", 0),
    ROUTE(HTTP_PATCH, API "/schools/{id}", school_update, "updateSchool",
          "schools:write", JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}", school_delete, "deleteSchool",
          "schools:write", 0),

    ROUTE(HTTP_GET, API "/schools/{id}/statuses", statuses_list,
          "listSchoolStatuses", "schools:read", 0),
    ROUTE(HTTP_POST, API "/schools/{id}/statuses", statuses_create,
          "createSchoolStatus", "statuses:write", JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/statuses/{status_id}", status_update,
          "updateSchoolStatus", "statuses:write", JSON),

    ROUTE(HTTP_GET, API "/schools/{id}/curators", curators_list,
          "listSchoolCurators", "schools:read", 0),
    ROUTE(HTTP_POST, API "/schools/{id}/curators", curators_create,
          "createSchoolCurator", "curators:write", JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/curators/{curator_id}", curator_update,
          "updateSchoolCurator", "curators:write", JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}/curators/{curator_id}",
          curator_delete, "deleteSchoolCurator", "curators:write", 0),

    ROUTE(HTTP_GET, API "/schools/{id}/partners", partners_list,
          "listSchoolPartners", "schools:read", 0),
    ROUTE(HTTP_POST, API "/schools/{id}/partners", partners_create,
          "createSchoolPartner", "partners:write", JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/partners/{partner_id}", partner_update,
          "updateSchoolPartner", "partners:write", JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}/partners/{partner_id}",
          partner_delete, "deleteSchoolPartner", "partners:write", 0),
};

const size_t routes_count = sizeof routes / sizeof routes[0];
