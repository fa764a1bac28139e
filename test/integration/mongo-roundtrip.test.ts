import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schema } from 'mongoose';
import { openTestDatabase, type TestDatabase } from '@weixin3rd/testing';

// Proves the Mongo-compatible store behind every test (FerretDB here, MongoDB in production)
// does what the store layer relies on: round trips, exact strings, and unique indexes.
describe('mongoose against the prepared MongoDB-wire store', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase('mongo-roundtrip');
  });
  afterAll(async () => {
    await db.drop();
  });

  const schema = new Schema({
    appid: { type: String, required: true, unique: true },
    msgId: { type: String, required: true },
    funcInfo: { type: [Number], default: [] },
  });

  it('writes and reads a document, keeping numeric-looking strings exact', async () => {
    const Model = db.connection.model('RoundTrip', schema);
    await Model.init();
    await Model.create({ appid: 'wx0123456789abcdef', msgId: '6054768590064713728', funcInfo: [1, 15] });
    const found = await Model.findOne({ appid: 'wx0123456789abcdef' }).lean();
    expect(found?.msgId).toBe('6054768590064713728');
    expect(found?.funcInfo).toEqual([1, 15]);
  });

  it('rejects a duplicate on a unique index with E11000', async () => {
    const Model = db.connection.model('UniqueCheck', schema);
    await Model.init();
    await Model.create({ appid: 'wxdup', msgId: '1' });
    const err = await Model.create({ appid: 'wxdup', msgId: '2' }).then(
      () => null,
      (e: unknown) => e as { code?: number; message?: string },
    );
    expect(err?.code).toBe(11000);
    expect(err?.message).toMatch(/E11000/);
    expect(await Model.countDocuments({ appid: 'wxdup' })).toBe(1);
  });

  it('refuses a compare-and-set on a version already moved on', async () => {
    const Model = db.connection.model('CasSequential', new Schema({ key: String, version: Number, value: String }));
    await Model.create({ key: 'k', version: 1, value: 'a' });
    const won = await Model.findOneAndUpdate(
      { key: 'k', version: 1 },
      { $set: { value: 'b' }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean();
    const lost = await Model.findOneAndUpdate(
      { key: 'k', version: 1 },
      { $set: { value: 'c' }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    ).lean();
    expect(won?.value).toBe('b');
    expect(lost).toBeNull();
  });

  // FerretDB 1.x runs two concurrent updates with the same filter one after the other, both
  // matching (2 of 3 runs here let two writers win): the store never relies on this, and puts a
  // Redis claim before each compare-and-set. Checked where the backend is MongoDB.
  it('does an atomic compare-and-set with findOneAndUpdate under contention', async ({ skip }) => {
    const info = await db.connection.db?.admin().command({ buildInfo: 1 });
    if (info?.ferretdbVersion !== undefined) skip('FerretDB: concurrent updates with one filter may both match');
    const Model = db.connection.model('Cas', new Schema({ key: String, version: Number, value: String }));
    await Model.create({ key: 'k', version: 1, value: 'a' });
    // Writers race on the same version: exactly one matches it.
    const results = await Promise.all(
      ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map((value) =>
        Model.findOneAndUpdate({ key: 'k', version: 1 }, { $set: { value }, $inc: { version: 1 } }, { returnDocument: 'after' }).lean(),
      ),
    );
    const won = results.filter((r) => r !== null);
    const lost = results.filter((r) => r === null);
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    expect(await Model.findOne({ key: 'k' }).lean()).toMatchObject({ version: 2, value: won[0]?.value });
  });
});
