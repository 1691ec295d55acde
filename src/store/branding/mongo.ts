import type { MongoContext } from '../mongo/context';
import { replaceOrCreate } from '../mongo/replace-or-create';
import type { BrandingDocument } from './mongo-document';
import type { BrandingBook, StoredBranding } from './port';

/** Tenants' branding on MongoDB, one document each. */
export class MongoBrandingBook implements BrandingBook {
  constructor(private readonly db: Pick<MongoContext, 'branding' | 'attachments' | 'run'>) {}

  getBranding(tenantId: string): Promise<StoredBranding | null> {
    return this.db.run(async () => {
      const doc = await this.db.branding.findOne({ _id: tenantId });
      return doc ? documentToBranding(doc) : null;
    });
  }

  putBranding(branding: StoredBranding): Promise<boolean> {
    // No multi-document transactions here: the logo is checked before the branding is written and again after. The
    // sweep of unused uploads reads which uploads are logos before it deletes; one that took the logo in between is
    // found by the second check, and the branding before this one is put back (unless another was written since).
    return this.db.run(async () => {
      const { tenant_id: _id, ...fields } = branding;
      if (branding.logo !== null && !(await this.usableLogo(branding))) return false;
      const previous = branding.logo !== null ? await this.db.branding.findOne({ _id }) : null;
      await replaceOrCreate((upsert) => this.db.branding.replaceOne({ _id }, fields, { upsert }));
      if (branding.logo === null || (await this.usableLogo(branding))) return true;
      const ours = { _id, updated_at: branding.updated_at, logo: branding.logo };
      if (previous) await this.db.branding.replaceOne(ours, withoutId(previous));
      else await this.db.branding.deleteOne(ours);
      return false;
    });
  }

  private async usableLogo(branding: StoredBranding): Promise<boolean> {
    const doc = await this.db.attachments.findOne({ _id: branding.logo!, tenant_id: branding.tenant_id, order_id: null }, { projection: { _id: 1 } });
    return doc !== null;
  }
}

function withoutId({ _id: _ignored, ...fields }: BrandingDocument): Omit<BrandingDocument, '_id'> {
  return fields;
}

function documentToBranding(doc: BrandingDocument): StoredBranding {
  return {
    tenant_id: doc._id,
    display_name: doc.display_name,
    logo: doc.logo,
    primary_color: doc.primary_color,
    support_email: doc.support_email,
    support_phone: doc.support_phone,
    updated_at: doc.updated_at,
  };
}
