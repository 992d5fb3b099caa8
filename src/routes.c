/* The route table: every operation the server answers, in one place. Each
 * row matches an operation of openapi.yaml by method, path and operationId
 * (tests/unit/test_spec.c keeps the two in step). `permission` is what the
 * caller needs (src/permissions.def; docs/ACCESS.md). */
#include "handlers.h"
#include "router.h"

#define API "/api/v1"
#define JSON ROUTE_BODY_JSON
/* method, path, handler, operationId, permission, flags */
#define ROUTE(m, path, handler, op, perm, flags)                               \
  { m, path, handler, op, PERM_##perm, flags, NULL }

const struct route routes[] = {
    ROUTE(HTTP_GET, "/health", health_get, "getHealth", PUBLIC, 0),
    ROUTE(HTTP_GET, "/ready", ready_get, "getReady", PUBLIC, 0),
    ROUTE(HTTP_GET, "/metrics", metrics_get, "getMetrics", PUBLIC, 0),
    ROUTE(HTTP_GET, API "/openapi.yaml", openapi_get, "getOpenapi", PUBLIC, 0),

    ROUTE(HTTP_POST, API "/auth/login", auth_login, "login", PUBLIC, JSON),
    ROUTE(HTTP_POST, API "/auth/token", auth_token_issue, "issueToken", PUBLIC,
          ROUTE_BODY_RAW),
    ROUTE(HTTP_DELETE, API "/auth/token", auth_token_revoke, "revokeToken",
          AUTHENTICATED, 0),
    ROUTE(HTTP_GET, API "/me", me_get, "getMe", AUTHENTICATED, 0),

    ROUTE(HTTP_GET, API "/users", users_list, "listUsers", USERS_ADMIN, 0),
    ROUTE(HTTP_POST, API "/users", users_create, "createUser", USERS_ADMIN,
          JSON),
    ROUTE(HTTP_GET, API "/users/{id}", user_get, "getUser", USERS_ADMIN, 0),
    ROUTE(HTTP_PATCH, API "/users/{id}", user_update, "updateUser", USERS_ADMIN,
          JSON),
    ROUTE(HTTP_POST, API "/users/{id}/password", user_password_reset,
          "resetUserPassword", USERS_ADMIN, 0),

    ROUTE(HTTP_GET, API "/clients", clients_list, "listClients", CLIENTS_ADMIN,
          0),
    ROUTE(HTTP_POST, API "/clients", clients_create, "createClient",
          CLIENTS_ADMIN, JSON),
    ROUTE(HTTP_GET, API "/clients/{id}", client_get, "getClient", CLIENTS_ADMIN,
          0),
    ROUTE(HTTP_PATCH, API "/clients/{id}", client_update, "updateClient",
          CLIENTS_ADMIN, JSON),
    ROUTE(HTTP_POST, API "/clients/{id}/secret", client_secret_rotate,
          "rotateClientSecret", CLIENTS_ADMIN, 0),

    ROUTE(HTTP_GET, API "/audit", audit_list, "listAuditEvents", AUDIT_READ, 0),

    ROUTE(HTTP_GET, API "/regions", regions_list, "listRegions", TERRITORY_READ,
          0),
    ROUTE(HTTP_POST, API "/regions", regions_create, "createRegion",
          TERRITORY_WRITE, JSON),
    ROUTE(HTTP_GET, API "/regions/{id}", region_get, "getRegion",
          TERRITORY_READ, 0),
    ROUTE(HTTP_PATCH, API "/regions/{id}", region_update, "updateRegion",
          TERRITORY_WRITE, JSON),

    ROUTE(HTTP_GET, API "/municipalities", municipalities_list,
          "listMunicipalities", TERRITORY_READ, 0),
    ROUTE(HTTP_POST, API "/municipalities", municipalities_create,
          "createMunicipality", TERRITORY_WRITE, JSON),
    ROUTE(HTTP_GET, API "/municipalities/{id}", municipality_get,
          "getMunicipality", TERRITORY_READ, 0),
    ROUTE(HTTP_PATCH, API "/municipalities/{id}", municipality_update,
          "updateMunicipality", TERRITORY_WRITE, JSON),

    ROUTE(HTTP_GET, API "/schools", schools_list, "listSchools", SCHOOLS_READ,
          0),
    ROUTE(HTTP_POST, API "/schools", schools_create, "createSchool",
          SCHOOLS_CREATE, JSON),
    ROUTE(HTTP_GET, API "/schools/{id}", school_get, "getSchool", SCHOOLS_READ,
          0),
    ROUTE(HTTP_PATCH, API "/schools/{id}", school_update, "updateSchool",
          SCHOOLS_UPDATE, JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}", school_delete, "deleteSchool",
          SCHOOLS_DELETE, 0),

    ROUTE(HTTP_GET, API "/schools/{id}/statuses", statuses_list,
          "listSchoolStatuses", SCHOOLS_READ, 0),
    ROUTE(HTTP_POST, API "/schools/{id}/statuses", statuses_create,
          "createSchoolStatus", STATUSES_WRITE, JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/statuses/{status_id}", status_update,
          "updateSchoolStatus", STATUSES_WRITE, JSON),

    ROUTE(HTTP_GET, API "/schools/{id}/curators", curators_list,
          "listSchoolCurators", SCHOOLS_READ, 0),
    ROUTE(HTTP_POST, API "/schools/{id}/curators", curators_create,
          "createSchoolCurator", CURATORS_WRITE, JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/curators/{curator_id}", curator_update,
          "updateSchoolCurator", CURATORS_WRITE, JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}/curators/{curator_id}",
          curator_delete, "deleteSchoolCurator", CURATORS_WRITE, 0),

    ROUTE(HTTP_GET, API "/schools/{id}/partners", partners_list,
          "listSchoolPartners", SCHOOLS_READ, 0),
    ROUTE(HTTP_POST, API "/schools/{id}/partners", partners_create,
          "createSchoolPartner", PARTNERS_WRITE, JSON),
    ROUTE(HTTP_PATCH, API "/schools/{id}/partners/{partner_id}", partner_update,
          "updateSchoolPartner", PARTNERS_WRITE, JSON),
    ROUTE(HTTP_DELETE, API "/schools/{id}/partners/{partner_id}",
          partner_delete, "deleteSchoolPartner", PARTNERS_WRITE, 0),
};

const size_t routes_count = sizeof routes / sizeof routes[0];
