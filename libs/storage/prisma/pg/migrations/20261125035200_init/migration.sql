-- CreateTable
CREATE TABLE "nodes" (
    "hash" TEXT NOT NULL,
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
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "nodes_pkey" PRIMARY KEY ("hash")
);

-- CreateTable
CREATE TABLE "turns" (
    "id" TEXT NOT NULL,
    "request_id" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "api" TEXT,
    "agent_name" TEXT,
    "capture_site" TEXT NOT NULL,
    "method" TEXT,
    "path" TEXT,
    "status" INTEGER,
    "request_headers" TEXT,
    "request_body" BYTEA,
    "response_headers" TEXT,
    "response_body" BYTEA,
    "response_content_type" TEXT,
    "response_content_encoding" TEXT,
    "head_hash" TEXT,
    "node_count" INTEGER NOT NULL,
    "new_node_count" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "diagnostics" TEXT NOT NULL DEFAULT '[]',
    "started_at" TIMESTAMPTZ(6),
    "first_byte_at" TIMESTAMPTZ(6),
    "ended_at" TIMESTAMPTZ(6),
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "turns_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "nodes" ADD CONSTRAINT "nodes_parent_hash_fkey" FOREIGN KEY ("parent_hash") REFERENCES "nodes"("hash") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "turns" ADD CONSTRAINT "turns_head_hash_fkey" FOREIGN KEY ("head_hash") REFERENCES "nodes"("hash") ON DELETE SET NULL ON UPDATE CASCADE;
