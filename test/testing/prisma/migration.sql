-- What `prisma migrate dev` would create for ./schema.prisma (written by hand:
-- the schema engine cannot be downloaded here). The RLS policies are added by the test.
CREATE TYPE "Role" AS ENUM ('owner', 'member');

CREATE TABLE "orgs" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    CONSTRAINT "orgs_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "accounts" (
    "id" SERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL DEFAULT current_setting('app.tenant_id'::text),
    "email" VARCHAR(40) NOT NULL,
    "handle" VARCHAR(12) NOT NULL,
    "role" "Role" NOT NULL,
    "bio" TEXT,
    "balance" BIGINT NOT NULL,
    "ratio" DOUBLE PRECISION NOT NULL,
    "price" DECIMAL(6,2) NOT NULL,
    "settings" JSONB NOT NULL,
    "avatar" BYTEA,
    "tags" TEXT[],
    "external_id" UUID NOT NULL,
    "org_id" TEXT NOT NULL,
    "birthday" DATE NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "memberships" (
    "tenant_id" TEXT NOT NULL DEFAULT current_setting('app.tenant_id'::text),
    "account_id" INTEGER NOT NULL,
    "team" TEXT NOT NULL,
    CONSTRAINT "memberships_pkey" PRIMARY KEY ("account_id","team")
);

CREATE TABLE "categories" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL DEFAULT current_setting('app.tenant_id'::text),
    "name" TEXT NOT NULL,
    "parent_id" TEXT,
    CONSTRAINT "categories_pkey" PRIMARY KEY ("id")
);

ALTER TABLE "accounts" ADD CONSTRAINT "accounts_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "categories" ADD CONSTRAINT "categories_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "categories"("id") ON DELETE SET NULL ON UPDATE CASCADE;
