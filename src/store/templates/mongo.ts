import type { Locale } from '../../domain/locale';
import type { MessageSubject } from '../../domain/message';
import type { MongoContext } from '../mongo/context';
import { replaceOrCreate } from '../mongo/replace-or-create';
import type { TemplateDocument } from './mongo-document';
import type { StoredTemplate, TemplateBook } from './port';

/** Tenants' message templates on MongoDB, one document each. */
export class MongoTemplateBook implements TemplateBook {
  constructor(private readonly db: Pick<MongoContext, 'templates' | 'run'>) {}

  putTemplate(template: StoredTemplate): Promise<void> {
    return this.db.run(async () => {
      const _id = templateKey(template.tenant_id, template.locale, template.subject);
      await replaceOrCreate((upsert) => this.db.templates.replaceOne({ _id }, { ...template }, { upsert }));
    });
  }

  getTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<StoredTemplate | null> {
    return this.db.run(async () => {
      const doc = await this.db.templates.findOne({ _id: templateKey(tenantId, locale, subject) });
      return doc ? documentToTemplate(doc) : null;
    });
  }

  listTemplates(tenantId: string): Promise<StoredTemplate[]> {
    return this.db.run(async () => {
      const docs = await this.db.templates.find({ tenant_id: tenantId }, { sort: { locale: 1, subject: 1 } }).toArray();
      return docs.map(documentToTemplate);
    });
  }

  deleteTemplate(tenantId: string, locale: Locale, subject: MessageSubject): Promise<boolean> {
    return this.db.run(async () => (await this.db.templates.deleteOne({ _id: templateKey(tenantId, locale, subject) })).deletedCount > 0);
  }
}

function templateKey(tenantId: string, locale: Locale, subject: MessageSubject): string {
  return JSON.stringify([tenantId, locale, subject]);
}

function documentToTemplate(doc: TemplateDocument): StoredTemplate {
  return { tenant_id: doc.tenant_id, locale: doc.locale, subject: doc.subject, parts: doc.parts, updated_at: doc.updated_at };
}
