-- AlterTable
ALTER TABLE "nodes" ADD COLUMN     "turn_id" TEXT;

-- AlterTable
ALTER TABLE "turns" ADD COLUMN     "cache_read_tokens" INTEGER,
ADD COLUMN     "cache_write_tokens" INTEGER,
ADD COLUMN     "cost_usd" DOUBLE PRECISION,
ADD COLUMN     "harness_id" TEXT,
ADD COLUMN     "harness_version" TEXT,
ADD COLUMN     "input_tokens" INTEGER,
ADD COLUMN     "model" TEXT,
ADD COLUMN     "output_tokens" INTEGER,
ADD COLUMN     "price_version" TEXT,
ADD COLUMN     "reasoning_tokens" INTEGER,
ADD COLUMN     "session_envelope" TEXT,
ADD COLUMN     "session_id" TEXT,
ADD COLUMN     "thread_id" TEXT NOT NULL DEFAULT '';

-- CreateTable
CREATE TABLE "sessions" (
    "id" TEXT NOT NULL,
    "name" TEXT,
    "harness_id" TEXT,
    "harness_version" TEXT,
    "agent_name" TEXT,
    "cwd" TEXT,
    "parent_id" TEXT,
    "metadata" TEXT,
    "first_prompt" TEXT,
    "started_at" TIMESTAMPTZ(6) NOT NULL,
    "ended_at" TIMESTAMPTZ(6) NOT NULL,
    "turn_count" INTEGER NOT NULL DEFAULT 0,
    "complete_count" INTEGER NOT NULL DEFAULT 0,
    "partial_count" INTEGER NOT NULL DEFAULT 0,
    "unreduced_count" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" INTEGER NOT NULL DEFAULT 0,
    "output_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_write_tokens" INTEGER NOT NULL DEFAULT 0,
    "cache_read_tokens" INTEGER NOT NULL DEFAULT 0,
    "reasoning_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "turn_text" (
    "turn_id" TEXT NOT NULL,
    "session_id" TEXT,
    "text" TEXT NOT NULL,

    CONSTRAINT "turn_text_pkey" PRIMARY KEY ("turn_id")
);

-- CreateIndex
CREATE INDEX "sessions_started_at_idx" ON "sessions"("started_at");

-- CreateIndex
CREATE INDEX "sessions_ended_at_idx" ON "sessions"("ended_at");

-- CreateIndex
CREATE INDEX "sessions_harness_id_idx" ON "sessions"("harness_id");

-- CreateIndex
CREATE INDEX "sessions_agent_name_idx" ON "sessions"("agent_name");

-- CreateIndex
CREATE INDEX "turn_text_session_id_idx" ON "turn_text"("session_id");

-- CreateIndex
CREATE INDEX "turns_session_id_started_at_idx" ON "turns"("session_id", "started_at");

-- CreateIndex
CREATE INDEX "turns_harness_id_idx" ON "turns"("harness_id");

-- CreateIndex
CREATE INDEX "turns_model_idx" ON "turns"("model");

-- AddForeignKey
ALTER TABLE "turn_text" ADD CONSTRAINT "turn_text_turn_id_fkey" FOREIGN KEY ("turn_id") REFERENCES "turns"("id") ON DELETE CASCADE ON UPDATE CASCADE;
