/**
`got-arcgis-auth/redis`: a token store on Redis for a fleet of processes and machines. Needs the
optional package `redis` (node-redis) for `url`; a client of your own works as well.
@module
*/
export {RedisTokenStore, type RedisTokenStoreOptions} from './redis-token-store.js';
export type {RedisClientLike} from './redis-client.js';
export type {EncryptionKey} from '../store/sealing.js';
export type {StoreTiming, TokenStore} from '../store/token-store.js';
