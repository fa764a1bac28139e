import { WeChatCrypto } from '@weixin3rd/wechat-crypto';

// Vector V7 of wechat-protocol.md: the official third-party platform "debug_demo" example.
const V7 = {
  token: 'AAAAA',
  encodingAesKey: 'A'.repeat(43),
  receiveId: 'wx134c8103faa5a59e',
  timestamp: '1715943329',
  nonce: '1590219412',
  msgSignature: '6c12a4205838198b8fa631b3220723bb07f1015c',
  encrypt:
    'D7yzvUNAL930rd28wf21s4hvXhz0L6Uit/p2Di6C5DHyYGpEgdBRnKjBec34JwoQXicwaZC7fOVihW80F4VtsdvE//1vr7oAbqjDv8KenVp+ajKYpJnyQ4zMRhIC+a31fCVOMC03FfzV/QuC94kBP55a+Za3sJgvAn+ZbsNqZI5DkyuzkhQN8OBqCzFhizGmy0xpM0MEA4agpvE+RuNO1rhHTtuJB5yltw1FiYzecSXJ+y/D2r81VkRn2eYjh2ltsoyfbDR7Is6ookXIFxTfyeNyeHxMeT4KN5WpCDmSbTcUYrbBUlkGLJ9n/rU8YOywma6G7aTb7KZKOqCxgfoUlYEZPk4FUL/TK7ShriFDMVCLyjQJ15Ob++agDWtcxhfUfe6HIoIpRW8mKNBQiY/Jd1svvuskA1wLef1RTtzKfMpagSCX/laZINmdnX4zrF6kIaR9P4xQrWXbsTFHTYe0Mg==',
  event: '<Event><![CDATA[debug_demo]]></Event>',
};

/** Proves at start that the sandbox's crypto reproduces WeChat's published example (§10). */
export function cryptoSelfTest(): void {
  const crypto = new WeChatCrypto({ token: V7.token, encodingAesKey: V7.encodingAesKey, receiveId: V7.receiveId });
  const { message } = crypto.decryptPush({ msgSignature: V7.msgSignature, timestamp: V7.timestamp, nonce: V7.nonce, encrypt: V7.encrypt });
  if (!message.includes(V7.event)) throw new Error('crypto self-test failed: vector V7 does not decrypt to the documented message');
}
