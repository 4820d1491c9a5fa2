/// The OpenAPI 3.0 description of the HTTP API that `buildRouter` serves, served itself at
/// `GET /openapi.yaml`. The one source of truth: `Benchmarks/serve/schemathesis.sh` checks a
/// live server against it (every response documented, no 5xx), and a router test checks that
/// every route of the router appears in it.
public enum OpenAPIDocument {
    /// The document, YAML.
    public static let yaml = """
    openapi: 3.0.3
    info:
      title: EncryptedML inference server (encml serve)
      version: "1.0"
      description: >-
        Encrypted inference on CKKS ciphertexts. A client uploads its evaluation keys once
        (POST /v1/keys), then sends encrypted queries (POST /v1/infer/{id}) and decrypts the
        encrypted results itself; the server never holds a secret key. Every /v1 endpoint needs
        a bearer token unless the server runs with --insecure-no-auth. Refusals are JSON
        objects {status, code, error}.
    security:
      - bearer: []
    paths:
      /health:
        get:
          operationId: health
          summary: Liveness, the served model's fingerprint and the number of key sets in memory.
          security: []
          responses:
            "200":
              description: The server runs.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/Health"}
      /metrics:
        get:
          operationId: metrics
          summary: Prometheus metrics (text exposition format).
          security: []
          responses:
            "200":
              description: The metrics.
              content:
                text/plain:
                  schema: {type: string}
      /openapi.yaml:
        get:
          operationId: openapi
          summary: This document.
          security: []
          responses:
            "200":
              description: The OpenAPI document.
              content:
                application/yaml:
                  schema: {type: string}
      /v1/model:
        get:
          operationId: model
          summary: The public part of the served model's plan (what a client needs to make keys and queries).
          responses:
            "200":
              description: The model description.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/ModelDescription"}
            "401": {$ref: "#/components/responses/Unauthorized"}
      /v1/keys:
        post:
          operationId: uploadKeys
          summary: Upload evaluation keys (an ENCML evaluation-keys file of exactly the model's size); returns their id.
          requestBody:
            required: true
            content:
              application/octet-stream:
                schema: {type: string, format: binary}
          responses:
            "201":
              description: Registered (or already held); the id is the SHA-256 prefix of the bytes.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/KeyRegistration"}
            "400": {$ref: "#/components/responses/Refused"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "408": {$ref: "#/components/responses/Refused"}
            "409": {$ref: "#/components/responses/Refused"}
            "413": {$ref: "#/components/responses/Refused"}
            "415": {$ref: "#/components/responses/Refused"}
            "503": {$ref: "#/components/responses/Busy"}
        get:
          operationId: listKeys
          summary: The key sets held for the caller's token (never another token's).
          responses:
            "200":
              description: The key sets, least recently used first.
              content:
                application/json:
                  schema: {$ref: "#/components/schemas/KeyListing"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "503": {$ref: "#/components/responses/Busy"}
      /v1/keys/{id}:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        delete:
          operationId: deleteKeys
          summary: Delete one of the caller's key sets from memory and from the key store.
          responses:
            "204": {description: Deleted.}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "404": {$ref: "#/components/responses/Refused"}
            "503": {$ref: "#/components/responses/Busy"}
      /v1/infer/{id}:
        parameters:
          - {name: id, in: path, required: true, schema: {type: string}}
        post:
          operationId: infer
          summary: Run the model on an encrypted query (an ENCML ciphertext bundle) with the keys registered under id.
          requestBody:
            required: true
            content:
              application/octet-stream:
                schema: {type: string, format: binary}
          responses:
            "200":
              description: The encrypted result (an ENCML ciphertext bundle).
              content:
                application/octet-stream:
                  schema: {type: string, format: binary}
            "400": {$ref: "#/components/responses/Refused"}
            "401": {$ref: "#/components/responses/Unauthorized"}
            "404": {$ref: "#/components/responses/Refused"}
            "408": {$ref: "#/components/responses/Refused"}
            "409": {$ref: "#/components/responses/Refused"}
            "413": {$ref: "#/components/responses/Refused"}
            "415": {$ref: "#/components/responses/Refused"}
            "503": {$ref: "#/components/responses/Busy"}
    components:
      securitySchemes:
        bearer: {type: http, scheme: bearer}
      responses:
        Refused:
          description: The request was refused; the body says why and how to fix it.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        Unauthorized:
          description: No bearer token, or one the server does not accept.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
        Busy:
          description: Every worker is busy, too many uploads run, or the key store is unavailable; retry after Retry-After seconds.
          headers:
            Retry-After:
              schema: {type: integer}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Error"}
      schemas:
        Error:
          type: object
          required: [status, code, error]
          properties:
            status: {type: integer}
            code: {type: string}
            error: {type: string}
        Health:
          type: object
          required: [status, model, registeredClients]
          properties:
            status: {type: string}
            model: {type: string}
            registeredClients: {type: integer}
        KeyRegistration:
          type: object
          required: [id]
          properties:
            id: {type: string}
        KeySet:
          type: object
          required: [id, keySet, bytes, storedAt, lastUsedAt]
          properties:
            id: {type: string}
            keySet: {type: string}
            bytes: {type: integer}
            storedAt: {type: string, format: date-time}
            lastUsedAt: {type: string, format: date-time}
        KeyListing:
          type: object
          required: [keys]
          properties:
            keys:
              type: array
              items: {$ref: "#/components/schemas/KeySet"}
        ModelDescription:
          type: object
          required: [weightsFingerprint, modelTag, contextFingerprint, featureNames, classLabels, outputCount,
                     decoding, parameters, depth, modes, singleQueryRotations, evaluationKeyBytes,
                     samplesPerCiphertext, limits]
          properties:
            weightsFingerprint: {type: string}
            modelTag: {type: string}
            contextFingerprint: {type: string}
            featureNames: {type: array, items: {type: string}}
            classLabels: {type: array, items: {type: string}}
            outputCount: {type: integer}
            decoding: {type: string}
            parameters: {type: object}
            depth: {type: integer}
            modes: {type: array, items: {type: string}}
            singleQueryRotations: {type: array, items: {type: integer}}
            evaluationKeyBytes: {type: integer}
            samplesPerCiphertext: {type: integer}
            limits: {type: object}
    """
}
