/**
 * GENERATED: do not edit. The team server's records and routes, from
 * jupyter_grid_collab/teamserver/openapi.json by openapi-typescript
 * (labextension/scripts/gen-types.mjs). Regenerate: `npm run gen:types` in labextension/.
 * Import the records through model.ts.
 */

export interface paths {
    "/api/v1/credentials": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** My credentials (never the tokens) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller's credentials. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CredentialList"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/credentials/{provider}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Set my credential (write-only) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the credential's provider */
                    provider: "github";
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CredentialSet"];
                };
            };
            responses: {
                /** @description Stored. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Credential"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        /** Remove my credential */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the credential's provider */
                    provider: "github";
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datastores": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List datastore versions */
        get: {
            parameters: {
                query?: {
                    /** @description mine (default), team (all my teams) or user=<name> */
                    scope?: string;
                    /** @description only this team of mine */
                    team?: string;
                    /** @description page size, default 50 */
                    limit?: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                    /** @description only this status */
                    status?: "available";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of datastore versions. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatastorePage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datastores/{owner}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A datastore version with the list of versions */
        get: {
            parameters: {
                query?: {
                    /** @description a datastore version; default the latest */
                    version?: number;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the datastore name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The version. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatastoreDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete one version (version=N) or every version */
        delete: {
            parameters: {
                query?: {
                    /** @description a datastore version; default the latest */
                    version?: number;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the datastore name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datastores/{owner}/{name}/attach": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Attach a version read-only (to one of my sessions when named) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the datastore name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["Attach"];
                };
            };
            responses: {
                /** @description The version and its files, to mount. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatastoreFiles"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datastores/{owner}/{name}/files": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A version's files */
        get: {
            parameters: {
                query?: {
                    /** @description a datastore version; default the latest */
                    version?: number;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the datastore name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The version and its files. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatastoreFiles"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/datastores/{owner}/{name}/files/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download one file of a version */
        get: {
            parameters: {
                query?: {
                    /** @description a datastore version; default the latest */
                    version?: number;
                };
                header?: {
                    /** @description bytes=N- resumes a download from byte N */
                    Range?: string;
                };
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the datastore name */
                    name: string;
                    /** @description a relative file path; '..', absolute paths and NUL are refused */
                    path: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The file, streamed. */
                200: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The rest of the file from the Range start. */
                206: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        "Content-Range"?: string;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The stored file failed its sha256 check or is missing (the message names it): nothing is sent; an admin restores it (uploading the same bytes again also does). */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One experiment */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The experiment. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Experiment"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete an experiment with its logs and artifacts */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An experiment's artifacts */
        get: {
            parameters: {
                query?: {
                    /** @description a glob (*, ?) or a substring of the path */
                    match?: string;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The artifacts. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ArtifactList"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/artifacts/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download an artifact */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description bytes=N- resumes a download from byte N */
                    Range?: string;
                };
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                    /** @description a relative file path; '..', absolute paths and NUL are refused */
                    path: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The file, streamed. */
                200: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The rest of the file from the Range start. */
                206: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        "Content-Range"?: string;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The stored file failed its sha256 check or is missing (the message names it): nothing is sent; an admin restores it (uploading the same bytes again also does). */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        /** Upload an artifact (the run's executor) */
        put: {
            parameters: {
                query?: never;
                header?: {
                    /** @description the sha256 the body should have; a mismatch is refused */
                    "X-Content-Sha256"?: string;
                };
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                    /** @description a relative file path; '..', absolute paths and NUL are refused */
                    path: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/octet-stream": string;
                };
            };
            responses: {
                /** @description Recorded. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Artifact"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The upload is larger than the server accepts, or than the room left in the team's storage quota (the message says how full the team is and what to do). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The server has no room left to store the upload. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        /** An artifact's size and sha256 without its bytes (checked and audited as a download; verified as for a GET) */
        head: {
            parameters: {
                query?: never;
                header?: {
                    /** @description bytes=N- resumes a download from byte N */
                    Range?: string;
                };
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                    /** @description a relative file path; '..', absolute paths and NUL are refused */
                    path: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The file, streamed. */
                200: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The rest of the file from the Range start. */
                206: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        "Content-Range"?: string;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The stored file failed its sha256 check or is missing (the message names it): nothing is sent; an admin restores it (uploading the same bytes again also does). */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/clone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Clone one experiment's parameters as a new run of mine */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["CloneRequest"];
                };
            };
            responses: {
                /** @description The new run. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The team is out of credits. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Log lines from offset, or the last tail lines; wait long-polls */
        get: {
            parameters: {
                query?: {
                    /** @description first line, default 0 */
                    offset?: number;
                    /** @description at most this many lines, default 1000 */
                    limit?: number;
                    /** @description the last N lines */
                    tail?: number;
                    /** @description wait up to N s for new lines when there are none */
                    wait?: number;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Lines and where to read on. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LogPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Append log lines (the run's executor) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["LogAppend"];
                };
            };
            responses: {
                /** @description Appended. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LogsAppended"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** An experiment's metrics: summaries, and each series downsampled to max_points (the first and last points, the lowest and highest of each bucket between) */
        get: {
            parameters: {
                query?: {
                    /** @description metric names, comma-separated (default: every metric) */
                    names?: string;
                    /** @description at most this many points per series, default 500 (0: summaries only) */
                    max_points?: number;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The metrics. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ExperimentMetrics"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Append metric points (the run's executor) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["MetricAppend"];
                };
            };
            responses: {
                /** @description Stored. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MetricsAppended"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Report an experiment's status (its run's executor or tracker) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ExperimentStatus"];
                };
            };
            responses: {
                /** @description The experiment. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Experiment"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/experiments/{owner}/{name}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop one experiment (creator or team admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the experiment, <run>-exp<N> */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The experiment. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Experiment"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness and the database schema version */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The server is up. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Health"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Who I am, with my teams and roles */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Several runs' and experiments' metrics in one answer, to compare them */
        get: {
            parameters: {
                query?: {
                    /** @description runs, comma-separated owner:name (each stands for its experiments) */
                    runs?: string;
                    /** @description experiments, comma-separated owner:name-expN */
                    experiments?: string;
                    /** @description metric names, comma-separated (default: every metric) */
                    names?: string;
                    /** @description at most this many points per series, default 500 (0: summaries only) */
                    max_points?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The metrics of each experiment, in the order named. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MetricsPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The OpenAPI document. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": Record<string, unknown>;
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List runs */
        get: {
            parameters: {
                query?: {
                    /** @description mine (default), team (all my teams) or user=<name> */
                    scope?: string;
                    /** @description only this team of mine */
                    team?: string;
                    /** @description page size, default 50 */
                    limit?: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                    /** @description only this status */
                    status?: "pending" | "running" | "succeeded" | "failed" | "cancelled" | "active";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of runs. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a run: one experiment per parameter set of the grid */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewRun"];
                };
            };
            responses: {
                /** @description The run with its experiments. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The team is out of credits. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{owner}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A run with its experiments */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The run. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a run with its experiments, logs and artifacts */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{owner}/{name}/artifacts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The artifacts of every experiment */
        get: {
            parameters: {
                query?: {
                    /** @description a glob (*, ?) or a substring of the path */
                    match?: string;
                };
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The artifacts. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ArtifactList"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{owner}/{name}/clone": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Clone a teammate's run as mine */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["CloneRequest"];
                };
            };
            responses: {
                /** @description The new run. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The team is out of credits. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{owner}/{name}/source": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download the run's source snapshot */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description bytes=N- resumes a download from byte N */
                    Range?: string;
                };
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The file, streamed. */
                200: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The rest of the file from the Range start. */
                206: {
                    headers: {
                        /** @description bytes in this response */
                        "Content-Length"?: number;
                        "Content-Range"?: string;
                        /** @description the quoted sha256 */
                        ETag?: string;
                        /** @description sha256 of the whole file */
                        "X-Content-Sha256"?: string;
                        [name: string]: unknown;
                    };
                    content: {
                        "application/octet-stream": string;
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The stored file failed its sha256 check or is missing (the message names it): nothing is sent; an admin restores it (uploading the same bytes again also does). */
                500: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/runs/{owner}/{name}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a run's pending and running experiments (creator or team admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the run name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The run. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RunDetail"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List sessions */
        get: {
            parameters: {
                query?: {
                    /** @description mine (default), team (all my teams) or user=<name> */
                    scope?: string;
                    /** @description only this team of mine */
                    team?: string;
                    /** @description page size, default 50 */
                    limit?: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                    /** @description only this status */
                    status?: "pending" | "running" | "paused" | "stopped" | "lost";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of sessions. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Register my Jupyter server as a running session */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["SessionRegistration"];
                };
            };
            responses: {
                /** @description The session and, once, its server secret. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RegisteredSession"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The team is out of credits. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One session */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** Delete a session's record (creator or team admin) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Deleted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/git-credential": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The owner's GitHub token, for the session's own server only */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The credential (token null when none is stored). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["GitCredential"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/heartbeat": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** The session's own server reports it is alive */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: {
                content: {
                    "application/json": components["schemas"]["Heartbeat"];
                };
            };
            responses: {
                /** @description The session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/open": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Open a session: my own URL, or a single-use visitor ticket for a teammate's */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Where to go. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SessionOpen"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Pause a session (creator or team admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Resume a session (creator or team admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The team is out of credits. */
                402: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start (creating if need be) one of my JupyterHub servers as a session (under a Hub) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session, pending or running. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The JupyterHub the team server serves refused the call or did not answer (the message names the Hub's call). */
                502: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sessions/{owner}/{name}/stop": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Stop a session (creator or team admin) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the username of the resource's creator */
                    owner: string;
                    /** @description the session name */
                    name: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Session"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/sources": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Upload a run's source snapshot (an archive) */
        put: {
            parameters: {
                query?: {
                    /** @description the team whose storage it counts against (default: the caller's only team; else each of the caller's teams) */
                    team?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/octet-stream": string;
                };
            };
            responses: {
                /** @description Its sha256, for a run's source_sha256. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Source"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The upload is larger than the server accepts, or than the room left in the team's storage quota (the message says how full the team is and what to do). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The server has no room left to store the upload. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List my teams */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The caller's teams. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["TeamList"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a team with its owner (site admins) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewTeam"];
                };
            };
            responses: {
                /** @description The new team. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Team"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A team: members with roles, the balance, storage used and its quota */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The team. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Team"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Set or remove the team's storage quota (site admins) */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["QuotaChange"];
                };
            };
            responses: {
                /** @description The team. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Team"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/teams/{team}/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The team's audit log (admins and owners) */
        get: {
            parameters: {
                query?: {
                    /** @description page size, default 50 */
                    limit?: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of audit entries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AuditPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/credits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add credits (site admins) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["Credits"];
                };
            };
            responses: {
                /** @description The new balance. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Balance"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The team's usage ledger, newest first */
        get: {
            parameters: {
                query?: {
                    /** @description page size, default 50 */
                    limit?: number;
                    /** @description next_cursor of the previous page */
                    cursor?: string;
                };
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of ledger entries. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LedgerPage"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Add a member (team admins: role user; owners: any role) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewMember"];
                };
            };
            responses: {
                /** @description The membership. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Membership"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams/{team}/members/{username}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove a member */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                    /** @description the member */
                    username: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** Change a member's role */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description a team name */
                    team: string;
                    /** @description the member */
                    username: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RoleChange"];
                };
            };
            responses: {
                /** @description The membership. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Membership"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Begin a staged upload of the next version */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewUpload"];
                };
            };
            responses: {
                /** @description The upload. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Upload"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/uploads/{upload_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Abort an upload */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the id begin-upload returned */
                    upload_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Aborted. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/uploads/{upload_id}/commit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Commit an upload: it becomes the next version, all at once */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the id begin-upload returned */
                    upload_id: number;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The new version. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Datastore"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/uploads/{upload_id}/files/{path}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Upload one file of an upload */
        put: {
            parameters: {
                query?: never;
                header?: {
                    /** @description the sha256 the body should have; a mismatch is refused */
                    "X-Content-Sha256"?: string;
                };
                path: {
                    /** @description the id begin-upload returned */
                    upload_id: number;
                    /** @description a relative file path; '..', absolute paths and NUL are refused */
                    path: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/octet-stream": string;
                };
            };
            responses: {
                /** @description Staged. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DatastoreFile"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description No such resource in the caller's teams (non-members get 404, not 403). */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The upload is larger than the server accepts, or than the room left in the team's storage quota (the message says how full the team is and what to do). */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The server has no room left to store the upload. */
                507: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List users (site admins) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every user. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UserList"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        /** Create a user (site admins) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["NewUser"];
                };
            };
            responses: {
                /** @description The new user. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Conflicts with the current state (name taken, already running, last owner, ...). */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/visits": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End every visit to this session (the session's own server) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many visits ended. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VisitsEnded"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/visits/redeem": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Redeem a visitor's ticket (the session's own server) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["TicketRedeem"];
                };
            };
            responses: {
                /** @description The visit. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Visit"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/visits/{username}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** End one visitor's visit to this session (the session's own server) */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description the visitor */
                    username: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description How many visits ended (0 or 1). */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["VisitsEnded"];
                    };
                };
                /** @description The request is malformed: the message names the parameter and what is expected. */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid API key (or session server secret, or JupyterHub token). */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Not allowed: only the creator or a team admin may do this (the message says who can), an experiment token outside its own experiment, or a session's server outside its scope (for its owner: no members, roles, credits, keys or credentials; for a visitor: read, download and attach only). */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Under JupyterHub: the team server is looking up more unknown Hub tokens than it allows itself each second; the same request a few seconds later works. */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * Artifact
         * @description A file an experiment produced.
         */
        Artifact: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            experiment: string | null;
            owner: string | null;
            path: string;
            run?: string | null;
            sha256: string;
            size: number;
        };
        /**
         * ArtifactList
         * @description An experiment's or a run's artifacts.
         */
        ArtifactList: {
            items: components["schemas"]["Artifact"][];
        };
        /**
         * Attach
         * @description Attach a datastore to one of my sessions.
         */
        Attach: {
            /** @description one of the caller's sessions */
            session?: string;
            /** @description default the latest */
            version?: number;
        };
        /**
         * AuditEntry
         * @description Who did what to which resource, and how it ended.
         */
        AuditEntry: {
            action: string;
            actor: string | null;
            detail: string | null;
            outcome: string;
            resource: string;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            ts: string;
        };
        /**
         * AuditPage
         * @description One page of the audit log, newest first.
         */
        AuditPage: {
            items: components["schemas"]["AuditEntry"][];
            /** @description pass back as cursor for the next page; null on the last page */
            next_cursor: string | null;
        };
        /**
         * Balance
         * @description A team's credit balance.
         */
        Balance: {
            /** @description credits */
            balance: number;
            team: string;
        };
        /**
         * CloneRequest
         * @description A clone of a run or an experiment, with overrides.
         */
        CloneRequest: {
            /** @description [owner:]name[@version]; null for none */
            datastore?: string | null;
            instance_type?: string;
            name?: string;
            /**
             * @description overrides
             * @default {}
             */
            params: {
                [key: string]: string | number | boolean | (string | number | boolean)[];
            };
            team?: string;
        };
        /**
         * Credential
         * @description A stored credential; the token itself is never sent.
         */
        Credential: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            login: string | null;
            /** @enum {unknown} */
            provider: "github";
        };
        /**
         * CredentialList
         * @description The caller's credentials.
         */
        CredentialList: {
            items: components["schemas"]["Credential"][];
        };
        /**
         * CredentialSet
         * @description A credential to store; write-only.
         */
        CredentialSet: {
            login?: string;
            token: string;
        };
        /**
         * Credits
         * @description Credits to add to a team (site admins).
         */
        Credits: {
            amount: number;
        };
        /**
         * Datastore
         * @description A version of a named, immutable set of files.
         */
        Datastore: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            file_count: number;
            id: number;
            name: string;
            owner: string;
            /** @description owner:name@version, for attach */
            reference: string | null;
            size: number;
            /** @enum {unknown} */
            status: "available";
            team: string;
            version: number;
        };
        /**
         * DatastoreDetail
         * @description A datastore version and every version of its name.
         */
        DatastoreDetail: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            file_count: number;
            id: number;
            name: string;
            owner: string;
            /** @description owner:name@version, for attach */
            reference: string | null;
            size: number;
            /** @enum {unknown} */
            status: "available";
            team: string;
            version: number;
            versions: number[];
        };
        /**
         * DatastoreFile
         * @description A file of a datastore version.
         */
        DatastoreFile: {
            path: string;
            sha256: string;
            size: number;
        };
        /**
         * DatastoreFiles
         * @description A datastore version and its files.
         */
        DatastoreFiles: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            file_count: number;
            files: components["schemas"]["DatastoreFile"][];
            id: number;
            name: string;
            owner: string;
            /** @description owner:name@version, for attach */
            reference: string | null;
            size: number;
            /** @enum {unknown} */
            status: "available";
            team: string;
            version: number;
        };
        /**
         * DatastorePage
         * @description One page of datastores, newest first.
         */
        DatastorePage: {
            items: components["schemas"]["Datastore"][];
            /** @description pass back as cursor for the next page; null on the last page */
            next_cursor: string | null;
        };
        /**
         * Error
         * @description Every error: a message a person can act on.
         */
        Error: {
            message: string;
        };
        /**
         * Experiment
         * @description One process of a run with one parameter set.
         */
        Experiment: {
            command: string;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            duration_seconds: number;
            exit_code: number | null;
            finished_at: string | null;
            id: number;
            index: number;
            message: string | null;
            name: string;
            owner: string;
            params: Record<string, unknown>;
            run: string;
            started_at: string | null;
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
        };
        /**
         * ExperimentMetrics
         * @description An experiment's metrics with what a comparison shows beside them.
         */
        ExperimentMetrics: {
            experiment: string;
            owner: string;
            params: Record<string, unknown>;
            run: string;
            /** @description the metrics asked for (none when max_points=0) */
            series: components["schemas"]["MetricSeries"][];
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
            /** @description the metrics asked for */
            summaries: components["schemas"]["MetricSummary"][];
        };
        /**
         * ExperimentStatus
         * @description A launcher reports its experiment's status.
         */
        ExperimentStatus: {
            /** @description absent: unchanged */
            exit_code?: number | null;
            /** @description absent: unchanged */
            message?: string | null;
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
        };
        /**
         * GitCredential
         * @description The session owner's GitHub credential, for the session's own server only.
         */
        GitCredential: {
            login: string | null;
            token: string | null;
            user: string;
        };
        /**
         * GithubContext
         * @description Whose GitHub identity git uses in the session; never the token itself.
         */
        GithubContext: {
            credential_bound: boolean;
            login: string | null;
            user: string;
        };
        /**
         * Health
         * @description The server is up, its database schema version, and where its teams come from.
         */
        Health: {
            schema_version: number;
            /** @enum {unknown} */
            status: "ok";
            /** @enum {unknown} */
            team_source: "jupyterhub" | "local";
        };
        /**
         * Heartbeat
         * @description A session's server says it is alive, and what changed.
         */
        Heartbeat: {
            datastores?: string[];
            /** @description absent: unchanged; null: none */
            url?: string | null;
            /**
             * @description a change ends the current visits
             * @enum {unknown}
             */
            visitors?: "full" | "view";
        };
        /**
         * LedgerEntry
         * @description A credit added or a usage charged.
         */
        LedgerEntry: {
            /** @description credits, to 6 places */
            amount: number;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            /** @enum {unknown} */
            kind: "credit" | "usage";
            note: string | null;
            resource: string | null;
            user: string | null;
        };
        /**
         * LedgerPage
         * @description One page of the ledger, newest first.
         */
        LedgerPage: {
            items: components["schemas"]["LedgerEntry"][];
            /** @description pass back as cursor for the next page; null on the last page */
            next_cursor: string | null;
        };
        /**
         * LogAppend
         * @description Log lines a launcher reports.
         */
        LogAppend: {
            /** @default [] */
            lines: (string | components["schemas"]["LogLineIn"])[];
        };
        /**
         * LogLine
         * @description One line of an experiment's log.
         */
        LogLine: {
            line: string;
            seq: number;
            /** @enum {unknown} */
            stream: "stderr" | "stdout" | "system";
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            ts: string;
        };
        /**
         * LogLineIn
         * @description A log line with its stream and time.
         */
        LogLineIn: {
            line: string;
            /**
             * @default stdout
             * @enum {unknown}
             */
            stream: "stderr" | "stdout" | "system";
            /** @description seconds since the epoch */
            ts?: number;
        };
        /**
         * LogPage
         * @description Lines of an experiment's log from an offset.
         */
        LogPage: {
            experiment: string;
            experiment_id: number;
            /** @description the experiment ended and every line was read: stop following */
            finished: boolean;
            lines: components["schemas"]["LogLine"][];
            /** @description pass back as offset to read on */
            next_offset: number;
            owner: string;
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
        };
        /**
         * LogsAppended
         * @description Lines a launcher reported, as stored.
         */
        LogsAppended: {
            /** @description lines of this batch not kept: the experiment is past the team server's --max-log-mb (still a 200: do not send them again) */
            dropped: number;
            experiment_id: number;
            next_offset: number;
            /** @description the stored log ends with the truncation line */
            truncated: boolean;
        };
        /**
         * Member
         * @description A member of a team.
         */
        Member: {
            email: string | null;
            github_login: string | null;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            joined_at: string;
            /** @enum {unknown} */
            role: "admin" | "owner" | "user";
            username: string;
        };
        /**
         * Membership
         * @description A user's role in a team.
         */
        Membership: {
            /** @enum {unknown} */
            role: "admin" | "owner" | "user";
            team: string;
            username: string;
        };
        /**
         * MetricAppend
         * @description Metric points an experiment reports, in the order they were taken.
         */
        MetricAppend: {
            /** @default [] */
            points: components["schemas"]["MetricPointIn"][];
        };
        /**
         * MetricPointIn
         * @description One metric point an experiment reports.
         */
        MetricPointIn: {
            name: string;
            /** @description left out: one past the series' last step */
            step?: number;
            /** @description seconds since the epoch; left out: now */
            ts?: number;
            /** @description null: not a number (NaN or infinity: JSON has neither) */
            value: number | null;
        };
        /**
         * MetricSeries
         * @description One metric's points, as columns, downsampled to at most max_points: the first and
         *     last, and the lowest and highest value of each bucket between, so its shape is kept.
         */
        MetricSeries: {
            /** @description points stored (the answer may hold fewer) */
            count: number;
            name: string;
            step: number[];
            /** @description seconds since the epoch */
            ts: number[];
            /** @description null: not a number */
            value: (number | null)[];
        };
        /**
         * MetricSummary
         * @description Where one of an experiment's metrics stands: its last point and its range.
         */
        MetricSummary: {
            /** @description points stored */
            count: number;
            /** @description the last value (null: not a number) */
            last: number | null;
            last_step: number;
            /** @description the highest finite value (null: none) */
            max: number | null;
            /** @description the lowest finite value (null: none) */
            min: number | null;
            name: string;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            updated_at: string;
        };
        /**
         * MetricsAppended
         * @description Metric points an experiment reported, as stored.
         */
        MetricsAppended: {
            /** @description points of this batch not kept: the experiment is past the team server's --max-metric-points (still a 200: do not send them again) */
            dropped: number;
            experiment_id: number;
            stored: number;
        };
        /**
         * MetricsPage
         * @description Several experiments' metrics, in the order their runs and experiments were named.
         */
        MetricsPage: {
            experiments: components["schemas"]["ExperimentMetrics"][];
        };
        /**
         * NewMember
         * @description A member to add.
         */
        NewMember: {
            /**
             * @default user
             * @enum {unknown}
             */
            role: "admin" | "owner" | "user";
            username: string;
        };
        /**
         * NewRun
         * @description A run to launch.
         */
        NewRun: {
            command: string;
            /** @description [owner:]name[@version] to mount */
            datastore?: string;
            instance_type?: string;
            name?: string;
            /** @default null */
            num_trials: number | null;
            /**
             * @description parameter name -> value (string, number, boolean) or, in a grid, a non-empty list of values
             * @default {}
             */
            params: {
                [key: string]: string | number | boolean | (string | number | boolean)[];
            };
            /** @default null */
            seed: number | null;
            /** @default null */
            source_sha256: string | null;
            /**
             * @default grid_search
             * @enum {unknown}
             */
            strategy: "grid_search" | "random_search";
            team?: string;
            /** @default false */
            tracked: boolean;
        };
        /**
         * NewTeam
         * @description A team to create with its owner (site admins).
         */
        NewTeam: {
            name: string;
            owner: string;
        };
        /**
         * NewUpload
         * @description A datastore upload to begin.
         */
        NewUpload: {
            name: string;
            team?: string;
        };
        /**
         * NewUser
         * @description A user to create (site admins).
         */
        NewUser: {
            /** @default null */
            email: string | null;
            /** @default null */
            github_login: string | null;
            /** @default false */
            site_admin: boolean;
            username: string;
        };
        /**
         * QuotaChange
         * @description A team's storage quota (site admins).
         */
        QuotaChange: {
            /** @description bytes the team may store; null removes the quota */
            storage_quota_bytes: number | null;
        };
        /**
         * RegisteredSession
         * @description A session registered by its own server.
         */
        RegisteredSession: {
            /** @description shown once: the session server's secret for X-Grid-Session-Secret */
            server_secret: string;
            session: components["schemas"]["Session"];
        };
        /**
         * RoleChange
         * @description A member's new role.
         */
        RoleChange: {
            /** @enum {unknown} */
            role: "admin" | "owner" | "user";
        };
        /**
         * Run
         * @description A script launched with a hyperparameter grid; it holds experiments.
         */
        Run: {
            /** @description owner:run or owner:experiment */
            cloned_from: string | null;
            command: string;
            /** @description credits */
            cost: number;
            counts: components["schemas"]["RunCounts"];
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            /** @description owner:name@version */
            datastore: string | null;
            duration_seconds: number;
            finished_at: string | null;
            id: number;
            instance_type: string;
            name: string;
            num_trials: number | null;
            owner: string;
            params: Record<string, unknown>;
            started_at: string | null;
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
            /** @enum {unknown} */
            strategy: "grid_search" | "random_search";
            team: string;
        };
        /** RunCounts */
        RunCounts: {
            cancelled: number;
            failed: number;
            pending: number;
            running: number;
            succeeded: number;
        };
        /**
         * RunDetail
         * @description A run with its experiments.
         */
        RunDetail: {
            /** @description owner:run or owner:experiment */
            cloned_from: string | null;
            command: string;
            /** @description credits */
            cost: number;
            counts: components["schemas"]["RunCounts"];
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            /** @description owner:name@version */
            datastore: string | null;
            duration_seconds: number;
            experiments: components["schemas"]["Experiment"][];
            finished_at: string | null;
            id: number;
            instance_type: string;
            name: string;
            num_trials: number | null;
            owner: string;
            params: Record<string, unknown>;
            started_at: string | null;
            /** @enum {unknown} */
            status: "cancelled" | "failed" | "pending" | "running" | "succeeded";
            /** @enum {unknown} */
            strategy: "grid_search" | "random_search";
            team: string;
        };
        /**
         * RunPage
         * @description One page of runs, newest first.
         */
        RunPage: {
            items: components["schemas"]["Run"][];
            /** @description pass back as cursor for the next page; null on the last page */
            next_cursor: string | null;
        };
        /**
         * Session
         * @description An interactive JupyterLab server of a team member.
         */
        Session: {
            /** @description credits */
            cost: number;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            /** @description references of the datastores mounted in the session */
            datastores: string[];
            duration_seconds: number;
            github: components["schemas"]["GithubContext"];
            id: number;
            instance_type: string;
            last_heartbeat: string | null;
            name: string;
            owner: string;
            started_at: string | null;
            /** @enum {unknown} */
            status: "lost" | "paused" | "pending" | "running" | "stopped";
            stopped_at: string | null;
            team: string;
            url: string | null;
            /**
             * @description what visitors may do: view (browse files and notebooks; no kernels, terminals or writes) or full (run code as the owner, with the owner's files and GitHub identity)
             * @enum {unknown}
             */
            visitors: "full" | "view";
        };
        /**
         * SessionOpen
         * @description Where to open a session, and for a visitor what the visit allows.
         */
        SessionOpen: {
            /** @description ticket lifetime, s */
            expires_in: number | null;
            session: components["schemas"]["Session"];
            /** @description where to open it (with a ticket for a visitor) */
            url: string;
            visitor: boolean;
            /**
             * @description what visitors may do: view (browse files and notebooks; no kernels, terminals or writes) or full (run code as the owner, with the owner's files and GitHub identity)
             * @enum {unknown}
             */
            visitors: "full" | "view";
            /** @description for visitors: what the session's visitor mode lets them do, and whose identity and account they act under */
            warning?: string;
        };
        /**
         * SessionPage
         * @description One page of sessions, newest first.
         */
        SessionPage: {
            items: components["schemas"]["Session"][];
            /** @description pass back as cursor for the next page; null on the last page */
            next_cursor: string | null;
        };
        /**
         * SessionRegistration
         * @description A Jupyter server registering itself as a session of its owner.
         */
        SessionRegistration: {
            /** @default [] */
            datastores: string[];
            /**
             * @description a priced instance type, default cpu-small
             * @default cpu-small
             */
            instance_type: string;
            name: string;
            /**
             * @description re-register a running session
             * @default false
             */
            replace: boolean;
            /** @description needed when the caller is in several teams */
            team?: string;
            /** @default null */
            url: string | null;
            /**
             * @description default full for a new session; a re-registration without it keeps the session's
             * @enum {unknown}
             */
            visitors?: "full" | "view";
        };
        /**
         * Source
         * @description A run's source archive, stored.
         */
        Source: {
            sha256: string;
            size: number;
        };
        /**
         * Team
         * @description A team: members with roles, the credit balance, storage used and its quota.
         */
        Team: {
            /** @description credits */
            balance: number;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            members: components["schemas"]["Member"][];
            name: string;
            /** @description the caller's role; null for a site admin outside the team */
            role: ("admin" | "owner" | "user") | null;
            /** @description uploads past it are refused (413); null: no quota */
            storage_quota_bytes: number | null;
            /** @description bytes the team stores: datastore versions' files (and uploads not committed yet), artifacts and run sources, counted per record (no dedup) */
            storage_used_bytes: number;
        };
        /**
         * TeamList
         * @description The caller's teams.
         */
        TeamList: {
            items: components["schemas"]["TeamSummary"][];
        };
        /**
         * TeamRole
         * @description One of a user's teams and their role in it.
         */
        TeamRole: {
            name: string;
            /** @enum {unknown} */
            role: "admin" | "owner" | "user";
        };
        /**
         * TeamSummary
         * @description One of my teams.
         */
        TeamSummary: {
            /** @description credits */
            balance: number;
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            member_count: number;
            name: string;
            /** @enum {unknown} */
            role: "admin" | "owner" | "user";
        };
        /**
         * TicketRedeem
         * @description A visitor's ticket, redeemed by the session's own server.
         */
        TicketRedeem: {
            ticket: string;
            /** @description a shorter visit than the team server's (at least 60 s); a longer one is cut to it. Default: the server's (8 h unless --visit-hours says otherwise) */
            visit_seconds?: number;
        };
        /**
         * Upload
         * @description An upload begun: send its files, then commit it.
         */
        Upload: {
            name: string;
            upload_id: number;
        };
        /**
         * User
         * @description A user, with their teams and roles.
         */
        User: {
            email: string | null;
            github_login: string | null;
            site_admin: boolean;
            teams: components["schemas"]["TeamRole"][];
            username: string;
        };
        /**
         * UserList
         * @description Every user.
         */
        UserList: {
            items: components["schemas"]["UserSummary"][];
        };
        /**
         * UserSummary
         * @description A user, as site admins list them.
         */
        UserSummary: {
            /**
             * Format: date-time
             * @description ISO 8601 UTC, seconds precision, e.g. 2024-05-01T12:00:00Z
             */
            created_at: string;
            email: string | null;
            github_login: string | null;
            site_admin: boolean;
            username: string;
        };
        /**
         * Visit
         * @description A visit a session's server started by redeeming a ticket.
         */
        Visit: {
            /** @description seconds since the epoch: the team server's visit length (--visit-hours), or less when the session asked for less */
            expires_at: number;
            github_login: string | null;
            session: components["schemas"]["Session"];
            visitor: string;
            /**
             * @description what visitors may do: view (browse files and notebooks; no kernels, terminals or writes) or full (run code as the owner, with the owner's files and GitHub identity)
             * @enum {unknown}
             */
            visitors: "full" | "view";
        };
        /**
         * VisitsEnded
         * @description How many visits ended.
         */
        VisitsEnded: {
            ended: number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
