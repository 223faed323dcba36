-- CreateTable
CREATE TABLE "nodes" (
    "hash" TEXT NOT NULL PRIMARY KEY,
    "parent_hash" TEXT,
    "type" TEXT NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "agent_name" TEXT,
    "stop_reason" TEXT,
    "usage" TEXT,
    "project" TEXT,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "nodes_parent_hash_fkey" FOREIGN KEY ("parent_hash") REFERENCES "nodes" ("hash") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "turns" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "request_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "api" TEXT,
    "agent_name" TEXT,
    "capture_site" TEXT NOT NULL,
    "method" TEXT,
    "path" TEXT,
    "status" INTEGER,
    "request_headers" TEXT,
    "request_body" BLOB,
    "response_headers" TEXT,
    "response_body" BLOB,
    "response_content_type" TEXT,
    "response_content_encoding" TEXT,
    "head_hash" TEXT,
    "node_count" INTEGER NOT NULL,
    "new_node_count" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "diagnostics" TEXT NOT NULL DEFAULT '[]',
    "started_at" DATETIME,
    "first_byte_at" DATETIME,
    "ended_at" DATETIME,
    "created_at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "turns_head_hash_fkey" FOREIGN KEY ("head_hash") REFERENCES "nodes" ("hash") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "nodes_parent_hash_idx" ON "nodes"("parent_hash");

-- CreateIndex
CREATE INDEX "nodes_agent_name_created_at_hash_idx" ON "nodes"("agent_name", "created_at", "hash");

-- CreateIndex
CREATE INDEX "nodes_created_at_hash_idx" ON "nodes"("created_at", "hash");

-- CreateIndex
CREATE UNIQUE INDEX "turns_request_id_key" ON "turns"("request_id");

-- CreateIndex
CREATE INDEX "turns_head_hash_idx" ON "turns"("head_hash");

-- CreateIndex
CREATE INDEX "turns_agent_name_created_at_idx" ON "turns"("agent_name", "created_at");

-- CreateIndex
CREATE INDEX "turns_created_at_idx" ON "turns"("created_at");
