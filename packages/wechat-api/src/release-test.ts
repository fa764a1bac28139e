/**
 * The 全网发布 (full-network release) test of wechat-protocol.md §6: its test accounts and the
 * exact strings WeChat sends and expects.
 */

/** The five test groups: [group, official account appid, its gh_ id, mini program appid, its gh_ id]. */
export const RELEASE_TEST_GROUPS: readonly (readonly [number, string, string, string, string])[] = [
  [1, 'wx570bc396a51b8ff8', 'gh_3c884a361561', 'wxd101a85aa106f53e', 'gh_8dad206e9538'],
  [2, 'wx9252c5e0bb1836fc', 'gh_c0f28a78b318', 'wxc39235c15087f6f3', 'gh_905ae9d01059'],
  [3, 'wx8e1097c5bc82cde9', 'gh_3f222ed8d140', 'wx7720d01d4b2a4500', 'gh_393666f1fdf4'],
  [4, 'wx14550af28c71a144', 'gh_26128078e9ab', 'wx05d483572dcd5d8b', 'gh_39abb5d4e1b7'],
  [5, 'wxa35b9c23cfe664eb', 'gh_2b3713f184a6', 'wx5910277cae6fd970', 'gh_7818dcb60240'],
];

/** Every release-test account's appid. */
export const RELEASE_TEST_APPIDS: ReadonlySet<string> = new Set(RELEASE_TEST_GROUPS.flatMap(([, oa, , mp]) => [oa, mp]));

export const RELEASE_TEST = {
  text: 'TESTCOMPONENT_MSG_TYPE_TEXT',
  textReply: 'TESTCOMPONENT_MSG_TYPE_TEXT_callback',
  queryAuthCodePrefix: 'QUERY_AUTH_CODE:',
  apiReplySuffix: '_from_api',
  eventReplySuffix: 'from_callback',
} as const;
